import { randomUUID } from 'node:crypto';
import { CONFIRMATION_TTL_MS } from '../links.js';

/** What the outbox sends. Confirmations cover signups, new links, admin adds and imports. */
export type OutboxKind = 'confirmation' | 'welcome' | 'test';

/**
 * queued → sending → sent, or → failed (given up, with the reason; an editor may queue it again).
 * A throttled or refused-for-now attempt goes back to queued with a later `dueAt`. A claim whose
 * outcome its sender never wrote (killed, or SES's answer lost) stays `sending` until SES's
 * receipt settles it as sent or its receipt window passes, when it is sent again (receipt.ts).
 */
export type OutboxState = 'queued' | 'sending' | 'sent' | 'failed';

/**
 * One pending email, stored in the same item as the change that causes it (a subscriber's
 * record, or a test send's own item) and written by the same conditional write: no transaction
 * is needed for "never a change without its email, nor an email without its change".
 */
export type OutboxEntry = {
  /** New for every email queued: a slot re-queued for a second email is a second entry. */
  id: string;
  kind: OutboxKind;
  state: OutboxState;
  queuedAt: string;
  /** When the next attempt may be made (queued), or when a claim's receipt window ends (sending). */
  dueAt: string;
  /** Given up after this: the confirmation link it carries would have expired. */
  expiresAt: string;
  attempts: number;
  /** The claim of the attempt in flight: only its holder may record the outcome. */
  attemptId?: string;
  claimedAt?: string;
  messageId?: string;
  sentAt?: string;
  /** Why the last attempt did not send (kept while retrying), or why it was given up. */
  reason?: string;
  failedAt?: string;
  /** SES's answer to the claim in flight when that answer proved nothing (a timeout, a 5xx). */
  lostAnswer?: string;
  /**
   * Why an attempt was made again after an earlier one had no receipt: kept once sent, so a reader
   * who says they got two can be traced to it (docs/sending.md, "The receipt").
   */
  resent?: string;
  /** The SES event (Send, Delivery…) that settled this entry as sent when its sender could not. */
  receipt?: string;
};

/**
 * How long after a claim SES's receipt (its Send event, through EventBridge to the ses-events
 * function) may take to settle it; past this, an unsettled claim is taken never to have reached
 * SES and is sent again. Ten minutes covers the slow path of a receipt that does arrive: SES
 * publishes within seconds, and a failed ses-events invocation is retried by Lambda about 1 and
 * then 2 more minutes later (each run up to its 30 s timeout), 4 to 5 minutes in all; the rest is
 * margin. It is also far longer than a live sender holds a claim (a rate slot, then at most
 * SES_REQUEST_TIMEOUT_MS), so a slow sender is never mistaken for a dead one. A receipt later
 * than this (dead-lettered, or queued for hours behind a throttled function) comes too late: that
 * reader may get the email twice, and the late receipt says so in the log (receipt.ts).
 */
export const RECEIPT_WINDOW_MS = 10 * 60_000;
export const OUTBOX_EXPIRY_MS = CONFIRMATION_TTL_MS;
const MAX_BACKOFF_MS = 5 * 60_000;

export function queuedEntry(kind: OutboxKind, now: Date): OutboxEntry {
  const at = now.toISOString();
  return {
    id: randomUUID(),
    kind,
    state: 'queued',
    queuedAt: at,
    dueAt: at,
    expiresAt: new Date(now.getTime() + OUTBOX_EXPIRY_MS).toISOString(),
    attempts: 0,
  };
}

/** A claim is due, to be sent again, once its receipt window has passed without a receipt. */
export function claimed(
  entry: OutboxEntry,
  now: Date,
  receiptWindowMs = RECEIPT_WINDOW_MS,
): OutboxEntry {
  // A new attempt: the last one's lost answer goes (left out, not set to undefined, so the entry
  // reads back from DynamoDB as it was written).
  const { lostAnswer: _lost, ...unanswered } = entry;
  return {
    ...unanswered,
    state: 'sending',
    attemptId: randomUUID(),
    claimedAt: now.toISOString(),
    attempts: entry.attempts + 1,
    dueAt: new Date(now.getTime() + receiptWindowMs).toISOString(),
  };
}

export function sent(entry: OutboxEntry, messageId: string, at: Date): OutboxEntry {
  return {
    ...entry,
    state: 'sent',
    messageId,
    sentAt: at.toISOString(),
    reason: undefined,
    failedAt: undefined,
    lostAnswer: undefined,
  };
}

export function givenUp(entry: OutboxEntry, reason: string, now: Date): OutboxEntry {
  return { ...entry, state: 'failed', reason, failedAt: now.toISOString() };
}

/**
 * Back in the queue after SES said "not now" (throttling, a 5xx, the daily quota): exponential
 * backoff with jitter, capped, and given up once the entry would be due after it expired.
 */
export function retryLater(
  entry: OutboxEntry,
  reason: string,
  now: Date,
  minimumMs = 0,
): OutboxEntry {
  const backoff = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** Math.max(0, entry.attempts - 1));
  const wait = Math.max(minimumMs, backoff * (0.5 + Math.random() / 2));
  const dueAt = now.getTime() + wait;
  if (dueAt >= Date.parse(entry.expiresAt))
    return givenUp(entry, `expired after ${entry.attempts} attempts: ${reason}`, now);
  return { ...entry, state: 'queued', reason, dueAt: new Date(dueAt).toISOString() };
}

/**
 * A claim found unsettled when it came due. While its receipt window lasts (counted from the
 * claim, so a claim made under a shorter window, or by a version that gave up after 60 s, gets the
 * whole of this one) it waits, rescheduled to the window's end: still `sending`. After it, SES
 * never took that attempt: `queued`, to be sent again at once with the reason kept in `resent`;
 * or given up, if the entry has expired meanwhile.
 */
export function withoutReceipt(entry: OutboxEntry, now: Date, windowMs: number): OutboxEntry {
  const windowEnd = Date.parse(entry.claimedAt ?? entry.dueAt) + windowMs;
  if (windowEnd > now.getTime()) return { ...entry, dueAt: new Date(windowEnd).toISOString() };
  const cause = entry.lostAnswer ? `SES did not answer (${entry.lostAnswer})` : 'interrupted';
  const why = `${cause}; SES has no receipt for attempt ${entry.attemptId}`;
  if (Date.parse(entry.expiresAt) <= now.getTime()) return givenUp(entry, `expired: ${why}`, now);
  return { ...entry, state: 'queued', reason: `${why}; resent`, resent: `${why}; resent` };
}

/** An editor's retry of a given-up entry: a fresh entry of the same kind, with a fresh expiry. */
export function requeued(entry: OutboxEntry, now: Date): OutboxEntry {
  return { ...queuedEntry(entry.kind, now), reason: `retried after: ${entry.reason ?? 'failed'}` };
}

/** Whether this entry is one a sender should act on now (due, or a claim past its receipt window). */
export function isDue(entry: OutboxEntry | undefined, now: Date): entry is OutboxEntry {
  return (
    (entry?.state === 'queued' || entry?.state === 'sending') &&
    Date.parse(entry.dueAt) <= now.getTime()
  );
}
