import type { TransitionResult } from '../functions/core/issues/manage-issues.js';

/**
 * A start the sending hold turned into a pause (docs/sending.md, "The sending hold"): said as
 * such, and the command fails, rather than announce a send that is not happening.
 */
export function exitIfHeld(result: TransitionResult): TransitionResult {
  if (!result.held) return result;
  console.error(
    `${result.issue.id} was not started: ${result.issue.pause?.message ?? `sending is held by ${result.held.alarm}`}\nClear the hold in the workspace (or DELETE /api/admin/sending-hold), then resume it.`,
  );
  process.exit(1);
}
