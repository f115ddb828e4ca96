import { DomainError, ErrorCodes } from '../errors.js';
import type { OutgoingMessage } from '../ports.js';
import { queuedEntry, requeued } from './entry.js';
import type { OutboxDeps } from './deps.js';
import { changeEntry, type HolderDeps } from './holders.js';
import type { OutboxHolder, OutboxListing } from './ports.js';
import { randomUUID } from 'node:crypto';

/** The emails the outbox gave up on, newest first, each with its reason (editors' view). */
export function listGivenUp(
  deps: Pick<OutboxDeps, 'outbox'>,
  limit = 100,
): Promise<OutboxListing[]> {
  return deps.outbox.failed(limit);
}

/**
 * An editor's "try again" on a given-up email: queued afresh (new entry, new 48 h), if it is still
 * given up and still wanted (a reader who has since unsubscribed is not sent a confirmation).
 */
export async function retryGivenUp(
  deps: HolderDeps,
  holder: OutboxHolder,
  id: string,
): Promise<OutboxListing> {
  const now = deps.clock.now();
  let to = '';
  const outcome = await changeEntry(deps, { holder, id }, (held) => {
    to = held.to;
    if (held.entry?.state !== 'failed' || !held.message(now)) return undefined;
    return requeued(held.entry, now);
  });
  if (!outcome?.changed || !outcome.entry)
    throw new DomainError(ErrorCodes.notFound, 'No given-up email to retry there.');
  return { holder, id, to, entry: outcome.entry };
}

/** Queues an email that belongs to no reader's record (an editor's test send), ready to go. */
export async function queueMessage(
  deps: Pick<OutboxDeps, 'outbox' | 'clock'>,
  message: OutgoingMessage,
): Promise<string> {
  const id = randomUUID();
  const entry = queuedEntry('test', deps.clock.now());
  await deps.outbox.createMessage({ id, message, outbox: entry, version: 1 });
  return id;
}
