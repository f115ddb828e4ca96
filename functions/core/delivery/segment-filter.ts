import type { Issue } from '../issues/issue.js';
import type { RecipientQuery, SubscriberRepository } from '../ports.js';
import type { Publication } from '../publication.js';
import { matchesSegment } from '../segments/match.js';
import type { Subscriber } from '../subscribers/subscriber.js';
import type { Clock } from '../clock.js';
import { Stop } from './worker-run.js';

type FilterDeps = { clock: Clock; publication: Pick<Publication, 'fields'> };

/**
 * A page of the shard Query's readers, less those outside the issue's segment (its copy of the
 * rules). No read of its own: the rules read only what the reader's record carries, which the
 * Query returned whole. The cost is in what the Query reads and this drops (docs/sending.md).
 */
export function inSegment(deps: FilterDeps, issue: Issue, readers: Subscriber[]): Subscriber[] {
  const segment = issue.segment;
  if (!segment) return readers;
  // One moment for the whole send (its start): a rule of "signed up within N days" picks the
  // same readers on every page, in every shard's count, and on a page redone after a crash.
  const now = issue.startedAt ? new Date(issue.startedAt) : deps.clock.now();
  const fields = deps.publication.fields ?? [];
  return readers.filter((reader) => matchesSegment(reader, segment, fields, now));
}

/**
 * A shard's readers in the segment, for its `total`: the shard read page by page (a COUNT Query
 * cannot apply the rules), once, by the worker that first takes the shard.
 */
export async function countInSegment(
  deps: FilterDeps & { subscribers: Pick<SubscriberRepository, 'listRecipients'> },
  issue: Issue,
  query: Omit<RecipientQuery, 'cursor' | 'limit'>,
  outOfTime: () => boolean = () => false,
): Promise<number> {
  let count = 0;
  let cursor: string | undefined;
  do {
    // A run near its end leaves the count to whoever takes the shard next (nothing saved yet).
    if (outOfTime()) throw new Stop('deadline');
    const page = await deps.subscribers.listRecipients({ ...query, cursor, limit: 500 });
    count += inSegment(deps, issue, page.items).length;
    cursor = page.cursor;
  } while (cursor);
  return count;
}
