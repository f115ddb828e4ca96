import { randomBytes, randomUUID } from 'node:crypto';
import type { WebhookEventType } from './endpoint.js';

/**
 * queued → delivering → delivered, or → failed (given up after RETRY_HORIZON_MS; an editor may
 * replay it). A failed attempt goes back to queued with a later `dueAt`; a claim whose outcome
 * was never written (the process died mid-request) is due again when its timeout has passed, so
 * a delivery is made at least once, and a receiver may see it twice: the same event id both times.
 */
export type DeliveryState = 'queued' | 'delivering' | 'delivered' | 'failed';

/** One event for one endpoint. The body is fixed when the event happens and sent byte for byte. */
export type WebhookDelivery = {
  endpointId: string;
  /** `evt_…` (newEventId): the same for every endpoint and every attempt of this event. */
  eventId: string;
  type: WebhookEventType;
  /** The exact JSON sent; dropped once delivered (it may name a reader). */
  body?: string;
  state: DeliveryState;
  createdAt: string;
  dueAt: string;
  /** Retries stop after this: one day after the event, or after a replay. */
  giveUpAt: string;
  attempts: number;
  attemptId?: string;
  /** The last attempt's answer: an HTTP status, or why there was none. */
  lastResult?: string;
  deliveredAt?: string;
  failedAt?: string;
  reason?: string;
  version: number;
};

/** How long a delivery is retried: a day, as the receivers' documentation promises. */
export const RETRY_HORIZON_MS = 24 * 60 * 60_000;
/** The longest wait between two attempts. */
export const MAX_BACKOFF_MS = 60 * 60_000;
/** A claim with no outcome after this is taken as interrupted (well above the request timeout). */
export const CLAIM_TIMEOUT_MS = 60_000;

/** The body receivers get: small, and with no more about the reader than the event needs. */
export type WebhookEvent = {
  id: string;
  type: WebhookEventType;
  createdAt: string;
  data: Record<string, unknown>;
};

/** `evt_` + time (so an endpoint's deliveries sort by when) + 16 random hex digits. */
export const newEventId = (now: Date, random = randomBytes(8).toString('hex')) =>
  `evt_${now.getTime().toString(36).padStart(9, '0')}${random}`;

export function queuedDelivery(endpointId: string, event: WebhookEvent): WebhookDelivery {
  return {
    endpointId,
    eventId: event.id,
    type: event.type,
    body: JSON.stringify(event),
    state: 'queued',
    createdAt: event.createdAt,
    dueAt: event.createdAt,
    giveUpAt: new Date(Date.parse(event.createdAt) + RETRY_HORIZON_MS).toISOString(),
    attempts: 0,
    version: 1,
  };
}

export function claimedDelivery(d: WebhookDelivery, now: Date): WebhookDelivery {
  return {
    ...d,
    state: 'delivering',
    attemptId: randomUUID(),
    attempts: d.attempts + 1,
    dueAt: new Date(now.getTime() + CLAIM_TIMEOUT_MS).toISOString(),
    version: d.version + 1,
  };
}

export function deliveredNow(d: WebhookDelivery, result: string, now: Date): WebhookDelivery {
  const { body: _body, reason: _reason, ...rest } = d;
  return {
    ...rest,
    state: 'delivered',
    lastResult: result,
    deliveredAt: now.toISOString(),
    version: d.version + 1,
  };
}

/**
 * After a failed attempt: again after 2^attempts × `baseMs` (jittered, capped at MAX_BACKOFF_MS),
 * or given up if that would fall past `giveUpAt`. With the default 30 s base the attempts come at
 * about 0, 30 s, 1, 2, 4, 8, 16, 32 min, then hourly: some 30 attempts in the day.
 */
export function failedAttempt(
  d: WebhookDelivery,
  result: string,
  now: Date,
  baseMs: number,
): WebhookDelivery {
  const backoff = Math.min(MAX_BACKOFF_MS, baseMs * 2 ** Math.max(0, d.attempts - 1));
  const due = now.getTime() + backoff * (0.5 + Math.random() / 2);
  if (due > Date.parse(d.giveUpAt)) return givenUpDelivery(d, result, now);
  return {
    ...d,
    state: 'queued',
    lastResult: result,
    reason: result,
    dueAt: new Date(due).toISOString(),
    version: d.version + 1,
  };
}

export function givenUpDelivery(d: WebhookDelivery, why: string, now: Date): WebhookDelivery {
  return {
    ...d,
    state: 'failed',
    lastResult: why,
    reason: `given up after ${d.attempts} attempts: ${why}`,
    failedAt: now.toISOString(),
    version: d.version + 1,
  };
}

/** An editor's replay: the same event (same id, same body), queued now, retried for a day again. */
export function replayed(d: WebhookDelivery, now: Date): WebhookDelivery {
  const { failedAt: _f, ...rest } = d;
  return {
    ...rest,
    state: 'queued',
    dueAt: now.toISOString(),
    giveUpAt: new Date(now.getTime() + RETRY_HORIZON_MS).toISOString(),
    attempts: 0,
    reason: `replayed after: ${d.reason ?? 'failed'}`,
    version: d.version + 1,
  };
}

export const isDueDelivery = (d: WebhookDelivery | undefined, now: Date): d is WebhookDelivery =>
  (d?.state === 'queued' || d?.state === 'delivering') && Date.parse(d.dueAt) <= now.getTime();
