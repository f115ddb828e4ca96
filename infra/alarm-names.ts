/**
 * The SES reputation alarms' names, fixed (not generated) so the rule that pauses sending can
 * match them before they exist (infra/reputation-pause.ts). No `sst` globals here: the tests read it.
 */
export const reputationAlarmNames = (app: { name: string; stage: string }) => ({
  bounceRate: `${app.name}-${app.stage}-ses-bounce-rate`,
  complaintRate: `${app.name}-${app.stage}-ses-complaint-rate`,
});

/**
 * The thresholds, as SES's metrics count (a fraction of sends). SES puts an account under review
 * at a 5 % bounce rate and a 0.1 % complaint rate (and may pause its sending at 10 % and 0.5 %):
 * the alarms fire with room left to act.
 */
export const reputationThresholds = { bounceRate: 0.02, complaintRate: 0.0008 } as const;

/**
 * The outbox's oldest unsent entry (the tick's `OldestWaiting` gauge, in seconds) alarms past a
 * quarter hour: longer than any one wait the code imposes on a healthy path (a backoff capped at
 * 5 minutes, a receipt window of 10, SES's "account paused" wait of 15 counts once it repeats),
 * so it fires only when entries are stuck, and a reader has waited that long for a confirmation.
 */
export const OUTBOX_OLDEST_ALARM_SECONDS = 15 * 60;
