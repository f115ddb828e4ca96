import * as z from 'zod';
import { DomainError, ErrorCodes } from '../errors.js';
import type { IssueDeps } from './deps.js';
import { pauseIssue } from './manage-issues.js';

/**
 * The part of CloudWatch's "CloudWatch Alarm State Change" event (EventBridge's `detail`) that
 * is read: which alarm, the state it moved to, and CloudWatch's own sentence for why.
 */
export const alarmStateChangeSchema = z.object({
  alarmName: z.string().min(1),
  state: z.object({ value: z.string(), reason: z.string().optional() }),
});
export type AlarmStateChange = z.infer<typeof alarmStateChangeSchema>;

export type ReputationPause = { alarm: string; paused: string[] };

/**
 * SES reviews (and may suspend) an account whose bounce rate reaches 5 % or complaint rate
 * 0.1 %; the deployment's alarms fire well before that (infra/alarms.ts). Sending on into a
 * rising rate is what gets an account suspended, so every issue that is sending or scheduled is
 * paused at once, with the alarm named in the pause. Nothing resumes it by itself: an editor
 * reads the alarm, deals with its cause (docs/sending.md, "Alarms") and resumes each issue in the
 * workspace or the CLI. Only the move into ALARM pauses; OK and INSUFFICIENT_DATA do nothing.
 * Transactional email (confirmations, welcomes) goes on: a reader who asked for it is not what
 * raises either rate.
 */
export async function pauseForReputationAlarm(
  deps: Pick<IssueDeps, 'issues' | 'clock' | 'subscribers'>,
  change: AlarmStateChange,
): Promise<ReputationPause> {
  const paused: string[] = [];
  if (change.state.value !== 'ALARM') return { alarm: change.alarmName, paused };
  const message = `${change.alarmName}: ${change.state.reason ?? 'the alarm fired'}. Resume once the cause is dealt with (docs/sending.md, "Alarms").`;
  for (const state of ['sending', 'scheduled'] as const) {
    for (const issue of await deps.issues.listByState(state)) {
      try {
        const result = await pauseIssue(deps, issue.id, 'reputation_alarm', { message });
        if (result.changed) paused.push(issue.id);
      } catch (error) {
        // It finished, was cancelled or paused by someone else in between: nothing left to stop.
        if (!(error instanceof DomainError && error.code === ErrorCodes.conflict)) throw error;
      }
    }
  }
  return { alarm: change.alarmName, paused };
}
