import { DomainError, ErrorCodes } from '../errors.js';
import type { SubscriberRepository } from '../ports.js';
import type { Subscriber } from './subscriber.js';

const MAX_ATTEMPTS = 8;

/**
 * Read, decide, write conditionally on the version read; on a lost race, read again and decide
 * again. `decide` returns the next record, or undefined to leave it as it is.
 * Resolves with what was stored last and whether this call wrote it.
 */
export async function mutateSubscriber(
  repo: SubscriberRepository,
  id: string,
  decide: (current: Subscriber) => Subscriber | undefined,
): Promise<{ subscriber: Subscriber; changed: boolean } | undefined> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const current = await repo.get(id);
    if (!current) return undefined;
    const next = decide(current);
    if (!next) return { subscriber: current, changed: false };
    const stored = { ...next, version: current.version + 1 };
    if (await repo.save(stored)) return { subscriber: stored, changed: true };
  }
  throw new DomainError(
    ErrorCodes.conflict,
    'Too many concurrent changes to this subscriber; try again.',
  );
}
