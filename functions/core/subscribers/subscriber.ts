import type { PendingReaderEvent } from '../webhooks/pending-event.js';
import { createHash } from 'node:crypto';
import type { OutboxEntry } from '../outbox/entry.js';
import type { FieldValues } from './fields.js';

export const SubscriberStates = {
  pending: 'pending',
  confirmed: 'confirmed',
  unsubscribed: 'unsubscribed',
  bounced: 'bounced',
  complained: 'complained',
} as const;
export type SubscriberState = (typeof SubscriberStates)[keyof typeof SubscriberStates];

export const Frequencies = { immediate: 'immediate', daily: 'daily', weekly: 'weekly' } as const;
export type Frequency = (typeof Frequencies)[keyof typeof Frequencies];
export const frequencyLabels: Record<Frequency, string> = {
  immediate: 'Every article, as it is published',
  daily: 'A daily digest',
  weekly: 'A weekly digest',
};

/** Where a signup came from: the hosted page, an embedded form on another site, the JSON API. */
export type SignupForm = 'hosted' | 'embed' | 'api' | 'admin' | 'import';

/** What the reader agreed to and how we know: kept for the life of the record (GDPR art. 7). */
export type Consent = {
  at: string;
  form: SignupForm;
  ip?: string;
  userAgent?: string;
  confirmedAt?: string;
  confirmIp?: string;
  confirmUserAgent?: string;
  /** For imports: where the reader gave consent, as the importing editor stated it. */
  source?: string;
};

export type Subscriber = {
  id: string;
  email: string;
  state: SubscriberState;
  topics: string[];
  frequency: Frequency;
  /** What the reader asked to be called (merge tag `%%name%%`): optional, one line, ≤ 100 characters. */
  name?: string;
  /** Values of the fields declared in `content/fields.json`, by key (`%%fields.<key>%%`). */
  fields?: FieldValues;
  consent: Consent;
  createdAt: string;
  updatedAt: string;
  confirmedAt?: string;
  unsubscribedAt?: string;
  /**
   * Confirmation emails are rate limited per address, counted when queued; see `subscribe`.
   * (`confirmationSentAt` is when the last one was queued.)
   */
  confirmationSentAt?: string;
  confirmationWindowStart?: string;
  confirmationsInWindow?: number;
  /** The reader's transactional email (confirmation, welcome), written with the change that causes it. */
  outbox?: OutboxEntry;
  /**
   * Changes to the dashboard's counters a signup left for the record's next write to apply (the
   * outbox's claim of the confirmation, within seconds): the signup itself makes one write.
   */
  countsOwed?: Record<string, number>;
  /**
   * Webhook events of changes to this record not yet queued for the webhook sender: written with
   * the change, queued and cleared by the outbox's drain or sweep (core/webhooks/reader-events.ts).
   */
  events?: PendingReaderEvent[];
  /** Soft bounces since the last delivery; too many in a row suppress the address. */
  softBounces?: number;
  suppressedAt?: string;
  /**
   * The import row that created the record (`<job id>:<line>`): a step replayed after a crash
   * recognises its own write by it, and counts the row once.
   */
  importedBy?: string;
  /**
   * What the segments' engagement rules read (segments/match.ts), kept on the record so a send
   * filters its shard Query's pages with no read per reader: the reader's latest open and click
   * (to a day: ACTIVITY_GRANULARITY_MS) and their first issue sent. Written by `noteActivity`
   * alone, never by a bot's or a scanner's open or click (events/engagement.ts).
   */
  lastOpenedAt?: string;
  lastClickedAt?: string;
  firstSentAt?: string;
  /** Optimistic concurrency: every write is conditional on the version it read. */
  version: number;
};

/** The reader's activity `noteActivity` keeps, and the attribute each is kept in. */
export const ActivityAttributes = {
  opened: 'lastOpenedAt',
  clicked: 'lastClickedAt',
  sent: 'firstSentAt',
} as const satisfies Record<string, keyof Subscriber>;
export type Activity = keyof typeof ActivityAttributes;

/**
 * How stale a kept open or click may be before a newer one is written: a reader who opens fifty
 * times a day costs the record at most one write that day. The engagement rules are that coarse.
 */
export const ACTIVITY_GRANULARITY_MS = 24 * 60 * 60 * 1000;

/**
 * A subscriber's id is derived from the normalized address, so two concurrent signups of one
 * address race for the same item and a single conditional write settles it. Links carry this id,
 * never the address.
 */
export function subscriberIdFor(normalizedEmail: string): string {
  return createHash('sha256')
    .update(`subscriber:${normalizedEmail}`)
    .digest('base64url')
    .slice(0, 24);
}

/**
 * Confirmed readers sit in the index under one of 8 partitions (`RECIPIENTS#<n>`). The number
 * is stored with every reader, so it never changes; how finely a send splits its audience does
 * (`SEND_SHARDS`).
 */
export const RECIPIENT_SHARDS = 8;

const digestOf = (subscriberId: string) => createHash('sha256').update(subscriberId).digest();

export function recipientShardOf(subscriberId: string): number {
  return digestOf(subscriberId)[0]! % RECIPIENT_SHARDS;
}

/**
 * Send shards per issue: each index partition cut into id ranges (`SEND_SHARDS /
 * RECIPIENT_SHARDS` of them). Ids are base64url of a hash, so their first character is uniform
 * over the alphabet and the ranges are even; no reader is rewritten to get there.
 */
export const SEND_SHARDS = 32;

/** base64url in ASCII (DynamoDB's string) order. */
const ALPHABET = '-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz';

/** A send shard's readers: an index partition, and the ids from `from` (inclusive) to `to` (exclusive). */
export type RecipientRange = { partition: number; from?: string; to?: string };

export function recipientRange(shard: number, shards: number = RECIPIENT_SHARDS): RecipientRange {
  const ranges = rangesPer(shards);
  const part = shard % ranges;
  const bound = (r: number) => (r > 0 && r < ranges ? ALPHABET[(r * 64) / ranges] : undefined);
  return { partition: Math.floor(shard / ranges), from: bound(part), to: bound(part + 1) };
}

export function sendShardOf(subscriberId: string, shards: number = RECIPIENT_SHARDS): number {
  const ranges = rangesPer(shards);
  let part = 0;
  while (part + 1 < ranges && subscriberId >= ALPHABET[((part + 1) * 64) / ranges]!) part++;
  return recipientShardOf(subscriberId) * ranges + part;
}

function rangesPer(shards: number) {
  const ranges = shards / RECIPIENT_SHARDS;
  if (!Number.isInteger(ranges) || 64 % ranges !== 0)
    throw new Error(`${shards} send shards do not cut ${RECIPIENT_SHARDS} partitions evenly`);
  return ranges;
}

/**
 * The ledger's partitions per delivery key. By a hash of the reader alone, not by send shard: a
 * worker walks a shard in id order, so one shard's partition would take all of its writes,
 * while a hash spreads every moment of every send; and the delivery key is shared by issues of
 * any shard count (an article's send and its publication), and read by digests with no issue
 * at hand.
 */
export const LEDGER_PARTITIONS = 32;

export function ledgerPartitionOf(subscriberId: string): number {
  return digestOf(subscriberId)[1]! % LEDGER_PARTITIONS;
}
