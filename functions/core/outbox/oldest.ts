import type { OutboxDeps } from './deps.js';
import type { OutboxListing } from './ports.js';

/** The gauge's name: `OldestWaiting` in CloudWatch (Path `outbox`), the alarm's metric. */
export const OLDEST_WAITING_METRIC = 'oldest_waiting';

/**
 * How long the outbox's oldest unsent entry (queued, retrying, or awaiting SES's receipt) has
 * waited, in seconds: 0 when nothing waits. A confirmation waiting long is a reader waiting at
 * their inbox; the Streams consumer's iterator age cannot say so, since an entry SES keeps
 * refusing is retried on a backoff, read and rewritten, never behind the stream.
 */
export async function oldestWaitingSeconds(deps: Pick<OutboxDeps, 'outbox' | 'clock'>) {
  const queuedAt = await deps.outbox.oldestWaiting();
  if (queuedAt === undefined) return 0;
  return Math.max(0, (deps.clock.now().getTime() - Date.parse(queuedAt)) / 1000);
}

/**
 * The tick's reading, once a minute after its sweep (never on the path that sends): what is still
 * waiting once the sweep has sent what it could. Written as an EMF gauge where metrics are kept.
 */
export async function reportOldestWaiting(deps: Pick<OutboxDeps, 'outbox' | 'clock' | 'metrics'>) {
  const seconds = await oldestWaitingSeconds(deps);
  deps.metrics?.gauge('outbox', OLDEST_WAITING_METRIC, seconds);
  return seconds;
}

/**
 * The earliest `queuedAt` of the listings: each partition's first by due time, which is its
 * oldest but for an entry waiting out a backoff (at most 15 minutes) behind newer ones; it is
 * first again once due, so the gauge's maximum over a few minutes finds it.
 */
export const earliestQueued = (listings: OutboxListing[]) =>
  listings.map((l) => l.entry.queuedAt).sort()[0];
