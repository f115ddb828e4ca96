import { DomainError, ErrorCodes } from '../errors.js';
import type { TokenPurpose } from '../tokens.js';
import type { SubscriberDeps } from './deps.js';
import { mergeFieldValues, publicFields } from './fields.js';
import { parseInput, preferencesSchema } from './input.js';
import { mutateSubscriber } from './mutate.js';
import type { Subscriber } from './subscriber.js';
import { flushReaderEvents, readerEvent } from '../webhooks/reader-events.js';

/** The reader a link was sent to; throws `invalid_token` for a bad link or an erased reader. */
export async function readerFromToken(
  deps: SubscriberDeps,
  purpose: TokenPurpose,
  token: string,
): Promise<Subscriber> {
  const { subscriberId } = deps.signer.verify(purpose, token, deps.clock.now());
  const subscriber = await deps.subscribers.get(subscriberId);
  if (!subscriber)
    throw new DomainError(ErrorCodes.invalidToken, 'This link is not valid.', {
      reason: 'no such subscriber',
    });
  return subscriber;
}

/**
 * One-click unsubscribe (RFC 8058). Takes effect at once and is idempotent: a second POST, or a
 * POST after a bounce, changes nothing and still succeeds.
 */
export async function unsubscribe(deps: SubscriberDeps, token: string): Promise<Subscriber> {
  const reader = await readerFromToken(deps, 'unsubscribe', token);
  const at = deps.clock.now().toISOString();
  const unsubscribed = await readerEvent(deps, 'reader.unsubscribed');
  const outcome = await mutateSubscriber(deps.subscribers, reader.id, (current) =>
    current.state === 'confirmed' || current.state === 'pending'
      ? unsubscribed({ ...current, state: 'unsubscribed', unsubscribedAt: at, updatedAt: at })
      : undefined,
  );
  if (outcome?.changed) await queueEvents(deps, reader.id);
  return outcome?.subscriber ?? reader;
}

export async function updatePreferences(
  deps: SubscriberDeps,
  token: string,
  input: unknown,
): Promise<Subscriber> {
  const reader = await readerFromToken(deps, 'preferences', token);
  const { topics, frequency, name, fields } = parseInput(
    preferencesSchema(deps.publication),
    input,
  );
  const at = deps.clock.now().toISOString();
  // The page shows every public field: one it posts empty is unset; an editor's are kept.
  const shown = publicFields(deps.publication.fields).map((f) => f.key);
  const changed = await readerEvent(deps, 'reader.preferences_changed');
  const outcome = await mutateSubscriber(deps.subscribers, reader.id, (current) =>
    changed({
      ...current,
      topics,
      frequency,
      name,
      fields: mergeFieldValues(current.fields, fields ?? {}, shown),
      updatedAt: at,
    }),
  );
  if (outcome?.changed) await queueEvents(deps, reader.id);
  return outcome?.subscriber ?? reader;
}

/**
 * Undoes an unsubscribe from the preferences page. The preferences link was only ever mailed to
 * this address after it was confirmed, so it proves ownership and no new opt-in is needed.
 * Addresses that bounced or complained stay suppressed.
 */
export async function resubscribe(deps: SubscriberDeps, token: string): Promise<Subscriber> {
  const reader = await readerFromToken(deps, 'preferences', token);
  const at = deps.clock.now().toISOString();
  const outcome = await mutateSubscriber(deps.subscribers, reader.id, (current) => {
    if (current.state === 'bounced' || current.state === 'complained') {
      throw new DomainError(
        ErrorCodes.conflict,
        'Mail to this address bounced or was reported as spam, so we cannot send to it again.',
      );
    }
    return current.state === 'unsubscribed'
      ? {
          ...current,
          state: 'confirmed',
          unsubscribedAt: undefined,
          confirmedAt: current.confirmedAt ?? at,
          updatedAt: at,
        }
      : undefined;
  });
  return outcome?.subscriber ?? reader;
}

/**
 * The change's event, written with it, queued for the webhook sender at once: no outbox email
 * follows these changes to carry it. If this fails the change still stands and the event waits
 * on the record for the outbox's sweep, so the reader gets their answer either way.
 */
async function queueEvents(deps: SubscriberDeps, id: string) {
  await flushReaderEvents(deps, id).catch(() => undefined);
}
