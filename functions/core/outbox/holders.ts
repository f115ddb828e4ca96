import type { OutgoingMessage } from '../ports.js';
import { confirmationMessage, welcomeMessage } from '../subscribers/messages.js';
import { mutateSubscriber } from '../subscribers/mutate.js';
import type { Subscriber } from '../subscribers/subscriber.js';
import { DomainError, ErrorCodes } from '../errors.js';
import type { OutboxEntry } from './entry.js';
import type { OutboxDeps } from './deps.js';
import type { OutboxRef } from './ports.js';

/** An entry with what it would send now; no message when its reason has gone (see `wanted`). */
export type Held = {
  entry: OutboxEntry | undefined;
  to: string;
  message: (now: Date) => OutgoingMessage | undefined;
};

/**
 * What an entry decision returns: the entry to store, `null` to clear the slot (the email is no
 * longer wanted), or undefined to leave the item as it is.
 */
export type Decide = (held: Held) => OutboxEntry | null | undefined;

/** What reading and writing an entry takes: not SES (an editor's retry only queues). */
export type HolderDeps = Omit<OutboxDeps, 'mailer' | 'budget'>;

/**
 * Reads the item holding an entry, decides, and writes it back conditionally on the version read
 * (re-reading on a lost race), as every write to a subscriber is. Resolves with the entry stored
 * last and whether this call wrote it; undefined when the item is gone (an erased reader).
 */
export function changeEntry(deps: HolderDeps, ref: OutboxRef, decide: Decide) {
  return rewrite(deps, ref, decide, (subscriber) => heldBy(deps, subscriber));
}

/** What changing an entry without rendering its email takes: the items that hold entries. */
export type EntryStores = Pick<OutboxDeps, 'subscribers' | 'outbox'>;

/**
 * `changeEntry` for a decision that needs only the entry (SES's receipt settling a claim): no
 * templates or signer, so the ses-events function can make it.
 */
export function changeEntryOnly(
  deps: EntryStores,
  ref: OutboxRef,
  decide: (entry: OutboxEntry | undefined) => OutboxEntry | undefined,
) {
  return rewrite(
    deps,
    ref,
    (held) => decide(held.entry),
    (s) => ({ entry: s.outbox, to: s.email, message: () => undefined }),
  );
}

async function rewrite(
  deps: EntryStores,
  ref: OutboxRef,
  decide: Decide,
  view: (subscriber: Subscriber) => Held,
): Promise<{ entry: OutboxEntry | undefined; changed: boolean } | undefined> {
  if (ref.holder === 'subscriber') {
    const outcome = await mutateSubscriber(deps.subscribers, ref.id, (current) => {
      const next = decide(view(current));
      return next === undefined ? undefined : { ...current, outbox: next ?? undefined };
    });
    return outcome && { entry: outcome.subscriber.outbox, changed: outcome.changed };
  }
  for (let attempt = 0; attempt < 8; attempt++) {
    const current = await deps.outbox.getMessage(ref.id);
    if (!current) return undefined;
    const next = decide({
      entry: current.outbox,
      to: current.message.to,
      message: () => current.message,
    });
    if (next === undefined) return { entry: current.outbox, changed: false };
    // A test send's item is only its email: a cleared slot keeps the entry, marked given up.
    const stored = { ...current, outbox: next ?? current.outbox, version: current.version + 1 };
    if (await deps.outbox.saveMessage(stored)) return { entry: stored.outbox, changed: true };
  }
  throw new DomainError(ErrorCodes.conflict, 'Too many concurrent changes to this email.');
}

/**
 * A reader's email is only wanted while it still fits: a confirmation while they are pending, a
 * welcome while they are confirmed. An unsubscribe or a bounce in the meantime cancels it.
 */
function heldBy(deps: HolderDeps, subscriber: Subscriber): Held {
  const entry = subscriber.outbox;
  const wanted =
    (entry?.kind === 'confirmation' && subscriber.state === 'pending') ||
    (entry?.kind === 'welcome' && subscriber.state === 'confirmed');
  return {
    entry,
    to: subscriber.email,
    message: (now) =>
      !wanted
        ? undefined
        : entry?.kind === 'welcome'
          ? welcomeMessage(deps, subscriber)
          : confirmationMessage(deps, subscriber, now),
  };
}
