/**
 * The schedules, in EventBridge syntax: one definition read by the AWS deployment (`sst.aws.CronV2`)
 * and by the local stack's in-process scheduler, so the two cannot drift.
 */
/** The digests' times when `DAILY_DIGEST_SCHEDULE` / `WEEKLY_DIGEST_SCHEDULE` are unset. */
export const defaultDigestSchedules = {
  daily: 'cron(0 7 * * ? *)',
  weekly: 'cron(0 7 ? * MON *)',
} as const;

export const scheduleDefinitions = {
  /** Starts due issues, resumes paused-for-quota ones, publishes new articles, then sends. */
  tick: {
    expression: 'cron(* * * * ? *)',
    handler: 'functions/handlers/tick.handler',
    description: 'Every minute: start due issues and send',
  },
  /**
   * Background jobs (CSV exports, imports): every minute, and at once when a request creates one
   * (it kicks the function). Sends nothing: its own function, not a sending worker.
   */
  jobs: {
    expression: 'cron(* * * * ? *)',
    handler: 'functions/handlers/jobs.handler',
    description: 'Every minute: run background jobs (exports, imports)',
  },
  /** Times are configurable at deploy (and local start) time; both read the same variables. */
  dailyDigest: {
    expression: process.env.DAILY_DIGEST_SCHEDULE ?? defaultDigestSchedules.daily,
    handler: 'functions/handlers/digest.daily',
    description: 'Daily digest, 07:00 UTC by default',
  },
  weeklyDigest: {
    expression: process.env.WEEKLY_DIGEST_SCHEDULE ?? defaultDigestSchedules.weekly,
    handler: 'functions/handlers/digest.weekly',
    description: 'Weekly digest, Mondays 07:00 UTC by default',
  },
} as const;

export type ScheduleName = keyof typeof scheduleDefinitions;

const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

/**
 * Turns an EventBridge `cron(min hour day-of-month month day-of-week year)` into the five-field
 * form local cron libraries read. EventBridge numbers weekdays 1-7 from Sunday; names are kept.
 */
export function toFiveFieldCron(expression: string): string {
  const match = /^cron\((.+)\)$/.exec(expression.trim());
  if (!match) throw new Error(`not an EventBridge cron expression: ${expression}`);
  const fields = match[1]!.trim().split(/\s+/);
  if (fields.length !== 6)
    throw new Error(`EventBridge cron needs 6 fields, got ${fields.length}: ${expression}`);
  const [minute, hour, dayOfMonth, month, dayOfWeek] = fields as [
    string,
    string,
    string,
    string,
    string,
  ];
  if (dayOfMonth !== '?' && dayOfWeek !== '?')
    throw new Error(`one of day-of-month and day-of-week must be '?': ${expression}`);
  const weekday = dayOfWeek.replace(/\b([1-7])\b/g, (d) => DAY_NAMES[Number(d) - 1]!);
  return [minute, hour, dayOfMonth.replace('?', '*'), month, weekday.replace('?', '*')].join(' ');
}
