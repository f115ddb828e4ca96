import { DomainError, ErrorCodes } from '../errors.js';
import type { RequestContext, SubscriberDeps } from './deps.js';
import { queuedEntry } from '../outbox/entry.js';
import { mutateSubscriber } from './mutate.js';
import { readerEvent } from '../webhooks/reader-events.js';

export type ConfirmResult =
  | { status: 'confirmed' }
  | { status: 'already_confirmed' }
  /** The link is authentic but older than 48 h; the page offers a fresh one. */
  | { status: 'expired'; subscriberId: string }
  /** The reader has since unsubscribed or bounced; an old link must not bring them back. */
  | { status: 'not_pending' };

/**
 * Confirms a pending subscription. Only a POST reaches this (mail scanners prefetch GET links).
 * Of any number of concurrent confirmations, one wins the conditional write, and that write queues
 * the welcome (it carries the preferences and unsubscribe links): the outbox sends it, retrying
 * until SES takes it, so no reader is confirmed without their welcome queued.
 */
export async function confirmSubscription(
  deps: SubscriberDeps,
  token: string,
  context: RequestContext = {},
): Promise<ConfirmResult> {
  const now = deps.clock.now();
  const verified = deps.signer.verify('confirm', token, now);
  if (verified.expired) return { status: 'expired', subscriberId: verified.subscriberId };

  const at = now.toISOString();
  // The event rides on the confirming write; the outbox's drain of the welcome queues it.
  const confirmed = await readerEvent(deps, 'reader.confirmed');
  const outcome = await mutateSubscriber(deps.subscribers, verified.subscriberId, (current) =>
    current.state !== 'pending'
      ? undefined
      : confirmed({
          ...current,
          state: 'confirmed',
          confirmedAt: at,
          updatedAt: at,
          consent: {
            ...current.consent,
            confirmedAt: at,
            confirmIp: context.ip,
            confirmUserAgent: context.userAgent,
          },
          outbox: queuedEntry('welcome', now),
        }),
  );
  // An authentic token for a record that is gone: the reader was erased on request.
  if (!outcome)
    throw new DomainError(ErrorCodes.invalidToken, 'This link is not valid.', {
      reason: 'no such subscriber',
    });
  if (!outcome.changed) {
    return outcome.subscriber.state === 'confirmed'
      ? { status: 'already_confirmed' }
      : { status: 'not_pending' };
  }
  return { status: 'confirmed' };
}
