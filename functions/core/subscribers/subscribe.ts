import { guardSignup } from '../abuse/signup-guard.js';
import { DomainError, ErrorCodes } from '../errors.js';
import { MailFailure } from '../ports.js';
import type { RequestContext, SubscriberDeps } from './deps.js';
import { parseInput, subscribeSchema } from './input.js';
import { confirmationMessage } from './messages.js';
import { mutateSubscriber } from './mutate.js';
import { subscriberIdFor, type SignupForm, type Subscriber } from './subscriber.js';

/** At most this many confirmation emails to one address in a rolling day (subscription bombing). */
export const CONFIRMATIONS_PER_DAY = 3;
/** A second signup within this time sends no second email (double submits, concurrent requests). */
export const CONFIRMATION_COOLDOWN_MS = 60_000;
const DAY_MS = 24 * 60 * 60 * 1000;

export type SubscribeResult = {
  /** Whether a confirmation email went out; never shown to the requester (no address probing). */
  confirmationSent: boolean;
};

/**
 * Double opt-in signup. Whatever the address's history, the caller gets the same answer, so the
 * form cannot be used to learn who reads the publication. A confirmed reader is left as they are:
 * changing their choices takes the preferences link only they received.
 */
export async function subscribe(
  deps: SubscriberDeps,
  input: unknown,
  form: SignupForm,
  context: RequestContext = {},
): Promise<SubscribeResult> {
  const { email, topics, frequency } = parseInput(subscribeSchema(deps.publication.topics), input);
  // The guard decides before anything about the address is used: a refusal stores nothing and
  // reveals nothing. The suppression lookup runs beside it (a read, one round trip less); its
  // answer is only looked at once the guard has let the signup through.
  const [, suppressed] = await Promise.all([
    guardSignup(
      deps.abuse,
      { email, ip: context.ip, captchaToken: context.captchaToken },
      deps.clock.now(),
    ),
    deps.suppressions.isSuppressed(email),
  ]);
  // A suppressed address (hard bounce, complaint, erasure) is never mailed again, whatever form
  // brings it back; the answer looks the same as any other.
  if (suppressed) return { confirmationSent: false };
  const id = subscriberIdFor(email);
  const now = deps.clock.now();
  const at = now.toISOString();
  const consent = { at, form, ip: context.ip, userAgent: context.userAgent };

  const fresh: Subscriber = {
    id,
    email,
    state: 'pending',
    topics,
    frequency,
    consent,
    createdAt: at,
    updatedAt: at,
    confirmationSentAt: at,
    confirmationWindowStart: at,
    confirmationsInWindow: 1,
    version: 1,
  };
  if (await deps.subscribers.create(fresh)) {
    await sendConfirmation(deps, fresh, undefined, now);
    return { confirmationSent: true };
  }

  let before: Subscriber | undefined;
  const outcome = await mutateSubscriber(deps.subscribers, id, (current) => {
    before = current;
    if (current.state !== 'pending' && current.state !== 'unsubscribed') return undefined;
    const quota = confirmationQuota(current, now);
    if (!quota) return undefined;
    // A returning reader signs up afresh: new choices, new consent, a new confirmation.
    // Mailed now, so any confirmation an import queued for them is dropped: one email, not two.
    return {
      ...current,
      state: 'pending',
      topics,
      frequency,
      consent,
      updatedAt: at,
      confirmationQueuedAt: undefined,
      ...quota,
    };
  });
  if (!outcome?.changed) return { confirmationSent: false };
  await sendConfirmation(deps, outcome.subscriber, before, now);
  return { confirmationSent: true };
}

/**
 * Sends a new confirmation link to a reader who is still pending (the "resend" button on an
 * expired link). Same rate limits as a signup.
 */
export async function resendConfirmation(
  deps: SubscriberDeps,
  subscriberId: string,
): Promise<SubscribeResult> {
  const now = deps.clock.now();
  let before: Subscriber | undefined;
  const outcome = await mutateSubscriber(deps.subscribers, subscriberId, (current) => {
    before = current;
    if (current.state !== 'pending') return undefined;
    const quota = confirmationQuota(current, now);
    return quota ? { ...current, updatedAt: now.toISOString(), ...quota } : undefined;
  });
  if (!outcome?.changed) return { confirmationSent: false };
  await sendConfirmation(deps, outcome.subscriber, before, now);
  return { confirmationSent: true };
}

/** The rate-limit fields after one more confirmation email, or undefined if none may be sent now. */
function confirmationQuota(current: Subscriber, now: Date) {
  const last = current.confirmationSentAt ? Date.parse(current.confirmationSentAt) : 0;
  if (now.getTime() - last < CONFIRMATION_COOLDOWN_MS) return undefined;
  const windowStart = current.confirmationWindowStart
    ? Date.parse(current.confirmationWindowStart)
    : 0;
  const windowOpen = now.getTime() - windowStart < DAY_MS;
  const count = windowOpen ? (current.confirmationsInWindow ?? 0) : 0;
  if (count >= CONFIRMATIONS_PER_DAY) return undefined;
  return {
    confirmationSentAt: now.toISOString(),
    confirmationWindowStart: windowOpen ? current.confirmationWindowStart : now.toISOString(),
    confirmationsInWindow: count + 1,
  };
}

/**
 * A burst of signups can meet SES's per-second limit: a throttled confirmation is tried again a
 * few times within the request (SES counts per second) before the reader is asked to retry.
 */
async function sendRetryingThrottles(
  deps: SubscriberDeps,
  message: Parameters<SubscriberDeps['mailer']['send']>[0],
) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await deps.mailer.send(message);
    } catch (error) {
      const retryable =
        error instanceof MailFailure && (error.kind === 'throttled' || error.kind === 'transient');
      if (!retryable || attempt >= 3) throw error;
      await new Promise((resolve) =>
        setTimeout(resolve, 250 * (attempt + 1) * (0.5 + Math.random())),
      );
    }
  }
}

/**
 * The record already says a confirmation went out (that claim is what stops a concurrent signup
 * from sending a second one). If SES fails, give the claim back so the reader can simply retry,
 * and tell them to: a signup is never silently dropped.
 */
async function sendConfirmation(
  deps: SubscriberDeps,
  subscriber: Subscriber,
  before: Subscriber | undefined,
  now: Date,
) {
  try {
    await sendRetryingThrottles(deps, confirmationMessage(deps, subscriber, now));
  } catch (error) {
    if (!(error instanceof MailFailure)) throw error;
    await deps.subscribers.save({
      ...subscriber,
      confirmationSentAt: before?.confirmationSentAt ?? new Date(0).toISOString(),
      confirmationWindowStart: before?.confirmationWindowStart,
      confirmationsInWindow: before?.confirmationsInWindow ?? 0,
      version: subscriber.version + 1,
    });
    throw new DomainError(
      ErrorCodes.unavailable,
      'We could not send the confirmation email just now. Please try again in a minute.',
      { reason: error.kind },
      { cause: error },
    );
  }
}
