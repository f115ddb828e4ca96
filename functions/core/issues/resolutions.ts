import type { AmbiguousResolution, Counts, Issue, ShardProgress } from './issue.js';

const latestFor = (issue: Issue, subscriberId: string) =>
  issue.resolutions?.findLast((r) => r.subscriberId === subscriberId);

/**
 * The readers ambiguous now: listed by a shard and not decided on since, or released, sent again
 * and ambiguous again.
 */
export function currentAmbiguous(issue: Issue, shards: readonly ShardProgress[]): string[] {
  const listed = [...new Set(shards.flatMap((s) => s.ambiguous))];
  return listed.filter((id) => {
    const latest = latestFor(issue, id);
    return !latest || latest.resent?.outcome === 'ambiguous';
  });
}

/** Released readers no worker has sent yet: the issue is not finished while there are any. */
export const pendingReleases = (issue: Issue): AmbiguousResolution[] =>
  (issue.resolutions ?? []).filter((r) => r.resolution === 'release' && !r.resent);

/**
 * The shards' counts with the editors' decisions applied: each decision takes a reader out of
 * ambiguous; 'delivered' counts them sent, a release counts what its resend did, and until then
 * the reader is waiting (`pendingResend`, within `remaining`).
 */
export function resolvedCounts(counts: Counts, issue: Issue) {
  const next = { ...counts };
  let pendingResend = 0;
  for (const r of issue.resolutions ?? []) {
    next.ambiguous--;
    if (r.resolution === 'delivered') next.sent++;
    else if (r.resent) next[r.resent.outcome]++;
    else pendingResend++;
  }
  return { counts: next, pendingResend };
}
