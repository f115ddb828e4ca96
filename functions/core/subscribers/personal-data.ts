import { DomainError, ErrorCodes } from '../errors.js';
import { normalizeEmail } from '../email-address.js';
import type { DeliveryLedger } from '../ports.js';
import type { SubscriberDeps } from './deps.js';
import { subscriberIdFor, type Subscriber } from './subscriber.js';

/** One reader by address: the editors' search is exact, as addresses are personal data. */
export async function findSubscriber(
  deps: SubscriberDeps,
  address: string,
): Promise<Subscriber | undefined> {
  const checked = normalizeEmail(address);
  return checked.ok ? deps.subscribers.get(subscriberIdFor(checked.email)) : undefined;
}

/**
 * Erasure on request (GDPR art. 17): the record goes for good; a hash of the address stays on the
 * suppression list, so no import or form can bring the address back without its owner.
 */
export async function eraseSubscriber(deps: SubscriberDeps, id: string): Promise<void> {
  const subscriber = await deps.subscribers.get(id);
  if (!subscriber) throw new DomainError(ErrorCodes.notFound, 'No such subscriber.');
  await deps.suppressions.suppress(subscriber.email, 'erased', deps.clock.now());
  await deps.subscribers.delete(id);
}

/** Everything kept about one reader, for an access request (GDPR art. 15). */
export async function subscriberData(
  deps: SubscriberDeps & { ledger: Pick<DeliveryLedger, 'history'> },
  id: string,
) {
  const subscriber = await deps.subscribers.get(id);
  if (!subscriber) throw new DomainError(ErrorCodes.notFound, 'No such subscriber.');
  const {
    version: _v,
    confirmationSentAt,
    confirmationWindowStart: _w,
    confirmationsInWindow: _c,
    countsOwed: _o,
    ...data
  } = subscriber;
  const received = (await deps.ledger.history(id)).map((e) => ({
    issueId: e.issueId,
    content: e.deliveryKey,
    sentAt: e.sentAt,
    messageId: e.messageId,
  }));
  return {
    ...data,
    lastConfirmationEmailAt: confirmationSentAt,
    suppressed: await deps.suppressions.isSuppressed(subscriber.email),
    received,
  };
}
