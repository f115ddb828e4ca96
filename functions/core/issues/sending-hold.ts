import type { Issue } from './issue.js';
import type { IssueDeps } from './deps.js';

/**
 * Set when an SES reputation alarm fires (reputation-pause.ts) and kept until an editor clears
 * it: while it is set, nothing starts a bulk send (Send now, a schedule's time, a digest, an
 * approved or self-sending article, a resume). The issue is left paused with the hold's reason,
 * never dropped, and an editor resumes it once the hold is cleared. One item for the deployment.
 */
export type SendingHold = {
  /** The alarm that set it. */
  alarm: string;
  /** CloudWatch's own sentence for why the alarm moved to ALARM. */
  reason: string;
  /** When it was set (ISO 8601). */
  since: string;
};

type HoldDeps = Pick<IssueDeps, 'issues'>;

/** What a held issue's pause says, in the workspace and the API: what held it and what to do. */
export const holdMessage = (hold: SendingHold) =>
  `Sending is held by the alarm ${hold.alarm} since ${hold.since}: ${hold.reason}. Deal with the cause and check the alarm is back to OK, then clear the hold and resume this issue (docs/sending.md, "The sending hold").`;

/** The pause an issue gets instead of starting while the hold is set. */
export const heldPause = (hold: SendingHold, now: Date): NonNullable<Issue['pause']> => ({
  reason: 'reputation_alarm',
  at: now.toISOString(),
  message: holdMessage(hold),
});

/**
 * An issue about to be created sending (a digest, an article's own issue): created paused with
 * the hold's reason instead while the hold is set, and not started (no `startedAt`): the editor's
 * resume starts it.
 */
export async function startingState(
  deps: HoldDeps,
  now: Date,
): Promise<Pick<Issue, 'state' | 'pause' | 'startedAt'>> {
  const hold = await deps.issues.sendingHold();
  return hold
    ? { state: 'paused', pause: heldPause(hold, now) }
    : { state: 'sending', startedAt: now.toISOString() };
}

export const currentHold = (deps: HoldDeps) => deps.issues.sendingHold();

/**
 * An editor's clearing of the hold: bulk sends may start again. It resumes nothing by itself:
 * each paused issue is resumed by an editor who has looked at it (its readers may have bounced
 * or complained). Answers the hold it cleared, or undefined when none was set.
 */
export const clearHold = (deps: HoldDeps) => deps.issues.clearSendingHold();
