import { guardSignup } from '../abuse/signup-guard.js';
import { DomainError, ErrorCodes } from '../errors.js';
import { queuedEntry } from '../outbox/entry.js';
import type { RequestContext, SubscriberDeps } from './deps.js';
import { mergeFieldValues, publicFields } from './fields.js';
import { parseInput, subscribeSchema, type Writer } from './input.js';
import { mutateSubscriber } from './mutate.js';
import { owingCounts } from './stats.js';
import { readerEvent } from '../webhooks/reader-events.js';
import { subscriberIdFor, type SignupForm, type Subscriber } from './subscriber.js';

/** At most this many confirmation emails to one address in a rolling day (subscription bombing). */
export const CONFIRMATIONS_PER_DAY = 3;
/** A second signup within this time queues no second email (double submits, concurrent requests). */
export const CONFIRMATION_COOLDOWN_MS = 60_000;
const DAY_MS = 24 * 60 * 60 * 1000;
const MAX_ATTEMPTS = 8;

export type SubscribeResult = {
  /** Whether a confirmation email was queued; never shown to the requester (no address probing). */
  confirmationQueued: boolean;
};

/**
 * Double opt-in signup. Whatever the address's history, the caller gets the same answer, in the
 * same time: every signup reads the record once and makes the same write (a confirmed or
 * suppressed address's write is made and fails its condition), and none calls SES, since the
 * confirmation is queued in the record itself and the outbox sends it. A confirmed reader is left
 * as they are: changing their choices takes the preferences link only they received.
 */
export async function subscribe(
  deps: SubscriberDeps,
  input: unknown,
  form: SignupForm,
  context: RequestContext = {},
): Promise<SubscribeResult> {
  const who = writerOf(form);
  const { email, topics, frequency, name, fields } = parseInput(
    subscribeSchema(deps.publication, who),
    input,
  );
  const id = subscriberIdFor(email);
  // The guard decides before anything about the address is used: a refusal stores nothing and
  // reveals nothing. The record and the suppression are read beside it (one BatchGetItem, in the
  // same round trip as the guard's counters); their answers are only looked at once the guard
  // has let the signup through.
  // Whether a receiver wants to hear of new readers is read for every signup alike (a second's
  // cache): the event rides on the record's one write, so a new address costs no more writes.
  const [, { stored, suppressed }, created] = await Promise.all([
    guardSignup(
      deps.abuse,
      { email, ip: context.ip, captchaToken: context.captchaToken },
      deps.clock.now(),
    ),
    deps.signupReads.read(id, email),
    readerEvent(deps, 'reader.created'),
  ]);
  const now = deps.clock.now();
  const at = now.toISOString();
  const consent = { at, form, ip: context.ip, userAgent: context.userAgent };
  const choices = { topics, frequency, consent, updatedAt: at, name };
  // The fields this writer may set are replaced (a returning reader signs up afresh); an
  // editor's fields stay whatever form brings the reader back.
  const settable =
    (who === 'editor' ? deps.publication.fields : publicFields(deps.publication.fields))?.map(
      (f) => f.key,
    ) ?? [];

  let current = stored;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    // A lost race (a concurrent signup of the address wrote first): read again, decide again.
    if (attempt > 0) current = await deps.subscribers.get(id);
    const quota = confirmationQuota(current, now);
    // A returning reader (pending, or unsubscribed) signs up afresh: new choices, new consent, a
    // new confirmation; an entry already queued for them is replaced, so one email, not two.
    const renewable = current?.state === 'pending' || current?.state === 'unsubscribed';
    // The dashboard's counters are left owed on the record: its next write, the outbox's claim
    // of this confirmation, applies them (one write per signup, whatever the address).
    const record: Subscriber = owingCounts(current, {
      ...(current ?? { id, email, createdAt: at, version: 0 }),
      ...choices,
      fields: mergeFieldValues(current?.fields, fields ?? {}, settable),
      ...(quota ?? {}),
      state: 'pending',
      outbox: queuedEntry('confirmation', now),
      version: (current?.version ?? 0) + 1,
    });
    // A record made by this signup carries its `reader.created`, queued by the outbox's drain.
    const next = current ? record : created(record);
    // A suppressed address (hard bounce, complaint, erasure) is never mailed again, whatever form
    // brings it back; nor is a confirmed reader changed, nor a limit exceeded.
    const lands = !suppressed && quota !== undefined && (!current || renewable);
    const expected = lands ? (current?.version ?? 0) : 'none';
    if (await deps.subscribers.writeSignup(next, expected)) return { confirmationQueued: true };
    if (!lands) return { confirmationQueued: false };
  }
  throw new DomainError(
    ErrorCodes.conflict,
    'Too many concurrent signups of this address; try again.',
  );
}

/** Editors (the admin API, the workspace, an import) may set any field; a reader the public ones. */
export const writerOf = (form: SignupForm): Writer =>
  form === 'admin' || form === 'import' ? 'editor' : 'reader';

/**
 * Queues a new confirmation link for a reader who is still pending (the "resend" button on an
 * expired link). Same limits as a signup.
 */
export async function resendConfirmation(
  deps: SubscriberDeps,
  subscriberId: string,
): Promise<SubscribeResult> {
  const now = deps.clock.now();
  const outcome = await mutateSubscriber(deps.subscribers, subscriberId, (current) => {
    if (current.state !== 'pending') return undefined;
    const quota = confirmationQuota(current, now);
    return quota
      ? {
          ...current,
          updatedAt: now.toISOString(),
          ...quota,
          outbox: queuedEntry('confirmation', now),
        }
      : undefined;
  });
  return { confirmationQueued: outcome?.changed === true };
}

/**
 * The rate-limit fields after one more confirmation email is queued, or undefined if none may be
 * queued now. Counted on queued entries, so a burst cannot queue more than the day's three.
 */
export function confirmationQuota(current: Subscriber | undefined, now: Date) {
  const last = current?.confirmationSentAt ? Date.parse(current.confirmationSentAt) : 0;
  if (now.getTime() - last < CONFIRMATION_COOLDOWN_MS) return undefined;
  const windowStart = current?.confirmationWindowStart
    ? Date.parse(current.confirmationWindowStart)
    : 0;
  const windowOpen = now.getTime() - windowStart < DAY_MS;
  const count = windowOpen ? (current?.confirmationsInWindow ?? 0) : 0;
  if (count >= CONFIRMATIONS_PER_DAY) return undefined;
  return {
    confirmationSentAt: now.toISOString(),
    confirmationWindowStart: windowOpen ? current?.confirmationWindowStart : now.toISOString(),
    confirmationsInWindow: count + 1,
  };
}
