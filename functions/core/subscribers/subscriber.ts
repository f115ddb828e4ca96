import { createHash } from 'node:crypto';
import type { OutboxEntry } from '../outbox/entry.js';

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
  /** Soft bounces since the last delivery; too many in a row suppress the address. */
  softBounces?: number;
  suppressedAt?: string;
  /** Optimistic concurrency: every write is conditional on the version it read. */
  version: number;
};

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

/** Recipients are spread over a fixed number of shards so several workers can send without overlap. */
export const RECIPIENT_SHARDS = 8;

export function recipientShardOf(subscriberId: string): number {
  return createHash('sha256').update(subscriberId).digest()[0]! % RECIPIENT_SHARDS;
}
