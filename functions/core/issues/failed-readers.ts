import type { SubscriberRepository } from '../ports.js';

/** A failed send as the issue page shows it: the reader's address, or none once they were erased. */
export type FailedReader = { subscriberId: string; reason: string; email: string | undefined };

/** Reads at once: a report holds at most 100 failures per shard. */
const CONCURRENCY = 25;

/**
 * The issue report's failures with each reader's address, read from the subscribers (the port has
 * no batched read; gets run CONCURRENCY at a time, each distinct reader read once).
 */
export async function failedReaders(
  deps: { subscribers: Pick<SubscriberRepository, 'get'> },
  failures: { subscriberId: string; reason: string }[],
): Promise<FailedReader[]> {
  const ids = [...new Set(failures.map((f) => f.subscriberId))];
  const emails = new Map<string, string | undefined>();
  for (let i = 0; i < ids.length; i += CONCURRENCY)
    await Promise.all(
      ids
        .slice(i, i + CONCURRENCY)
        .map(async (id) => emails.set(id, (await deps.subscribers.get(id))?.email)),
    );
  return failures.map((f) => ({ ...f, email: emails.get(f.subscriberId) }));
}
