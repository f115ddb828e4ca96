import { api } from './api.js';
import { functionArgs } from './function-args.js';
import { scheduleDefinitions } from './schedule-definitions.js';

/**
 * What EventBridge Scheduler hands each scheduled function: the shape of EventBridge's
 * "Scheduled Event", which the handlers read (a digest's period is its `time`, every log line
 * names its `id`) exactly as the local scheduler builds it. Scheduler fills in its context
 * attributes at each firing: the time the firing was due (not when it ran: a retried digest keeps
 * its period) and an id per attempt.
 */
export const scheduledEventTemplate = {
  version: '0',
  id: '<aws.scheduler.execution-id>',
  'detail-type': 'Scheduled Event',
  source: 'aws.scheduler',
  time: '<aws.scheduler.scheduled-time>',
  resources: ['<aws.scheduler.schedule-arn>'],
  detail: {},
};

/**
 * One EventBridge Scheduler schedule and function per entry of `scheduleDefinitions`, the same
 * expressions the local scheduler runs: a new schedule there needs no change here. CronV2, not
 * `sst.aws.Cron` (an EventBridge rule), which SST marks "use CronV2". Scheduler's own retries
 * stay 0: it invokes Lambda asynchronously, so a failed firing is retried by Lambda as the
 * function says (infra/functions.ts), and Scheduler retries only an invoke Lambda refused.
 * Expressions are read in UTC, as EventBridge rules read them and as the tick catches them up.
 */
export const crons = Object.fromEntries(
  Object.entries(scheduleDefinitions).map(([name, schedule]) => [
    name,
    new sst.aws.CronV2(`Schedule${name[0]!.toUpperCase()}${name.slice(1)}`, {
      schedule: schedule.expression as `cron(${string})`,
      timezone: 'UTC',
      function: functionArgs(name, { baseUrl: api.url }),
      event: scheduledEventTemplate,
    }),
  ]),
);
