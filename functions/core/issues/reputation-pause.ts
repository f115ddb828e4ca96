import * as z from 'zod';
import { DomainError, ErrorCodes } from '../errors.js';
import type { IssueDeps } from './deps.js';
import { pauseIssue } from './manage-issues.js';
import { holdMessage, type SendingHold } from './sending-hold.js';

/**
 * The part of CloudWatch's "CloudWatch Alarm State Change" event (EventBridge's `detail`) that
 * is read: which alarm, the state it moved to, and CloudWatch's own sentence for why.
 */
export const alarmStateChangeSchema = z.object({
  alarmName: z.string().min(1),
  state: z.object({ value: z.string(), reason: z.string().optional() }),
});
export type AlarmStateChange = z.infer<typeof alarmStateChangeSchema>;

/** `held`: this alarm set the sending hold (false: one was set already, by it or the other). */
export type ReputationPause = { alarm: string; held: boolean; paused: string[] };

/**
 * SES reviews (and may suspend) an account whose bounce rate reaches 5 % or complaint rate
 * 0.1 %; the deployment's alarms fire well before that (infra/alarms.ts). Sending on into a
 * rising rate is what gets an account suspended, so the sending hold is set first (nothing starts
 * a bulk send while it is: sending-hold.ts), then every issue that is sending or scheduled is
 * paused at once, the hold's reason in its pause. Nothing resumes it by itself: an editor reads
 * the alarm, deals with its cause (docs/sending.md, "Alarms"), clears the hold and resumes each
 * issue in the workspace or the CLI. Only the move into ALARM acts; OK and INSUFFICIENT_DATA do
 * nothing. Transactional email (confirmations, welcomes) goes on: a reader who asked for it is
 * not what raises either rate.
 */
export async function pauseForReputationAlarm(
  deps: Pick<IssueDeps, 'issues' | 'clock' | 'subscribers'>,
  change: AlarmStateChange,
): Promise<ReputationPause> {
  const paused: string[] = [];
  if (change.state.value !== 'ALARM') return { alarm: change.alarmName, held: false, paused };
  const ours: SendingHold = {
    alarm: change.alarmName,
    reason: change.state.reason ?? 'the alarm fired',
    since: deps.clock.now().toISOString(),
  };
  const held = await deps.issues.holdSending(ours);
  // The hold as stored: the first alarm's, if the other one set it before; ours if an editor
  // cleared it in between (the issues are paused all the same: the alarm did fire).
  const hold = (await deps.issues.sendingHold()) ?? ours;
  for (const state of ['sending', 'scheduled'] as const) {
    for (const issue of await deps.issues.listByState(state)) {
      if (await pauseHeld(deps, issue.id, hold)) paused.push(issue.id);
    }
  }
  return { alarm: change.alarmName, held, paused };
}

/**
 * Pauses one issue for the hold, as the alarm's pause does; the send worker calls it too, for an
 * issue it finds sending while the hold is set (one that started in the moment the hold was
 * written, after the alarm's pause had listed issues). Whether this call paused it: false when it
 * had finished, was cancelled or was paused by someone else in between.
 */
export async function pauseHeld(
  deps: Pick<IssueDeps, 'issues' | 'clock' | 'subscribers'>,
  issueId: string,
  hold: SendingHold,
): Promise<boolean> {
  try {
    const result = await pauseIssue(deps, issueId, 'reputation_alarm', {
      message: holdMessage(hold),
    });
    return result.changed;
  } catch (error) {
    if (!(error instanceof DomainError && error.code === ErrorCodes.conflict)) throw error;
    return false;
  }
}
