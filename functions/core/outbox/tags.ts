import type { OutboxEntry } from './entry.js';
import type { OutboxRef } from './ports.js';

/**
 * SES's own receipt for an outbox email: every message carries tags naming its entry and the
 * attempt that sent it, and SES repeats a message's tags in each event it publishes about it
 * (Send, Delivery, Bounce…). An event with these tags proves SES accepted that attempt, even when
 * its sender died before writing so, or never heard SES's answer.
 */
export const OUTBOX_TAGS = {
  holder: 'outbox-holder',
  id: 'outbox-id',
  entry: 'outbox-entry',
  attempt: 'outbox-attempt',
} as const;

/** What an SES tag value may hold: ASCII letters, digits, `_` and `-` (SES refuses the send otherwise). */
const TAG_VALUE = /^[A-Za-z0-9_-]{1,256}$/;
/** Marks an encoded value (base64url fits); a raw value that starts with it is encoded too, so decoding is never a guess. */
const ENCODED = 'b64-';

/**
 * Subscriber ids (24 characters of base64url) and UUIDs fit as they are; anything else is encoded
 * so SES takes it (only the 256-character limit would be beyond encoding, and no id comes near).
 */
export function tagValue(value: string): string {
  if (TAG_VALUE.test(value) && !value.startsWith(ENCODED)) return value;
  return ENCODED + Buffer.from(value, 'utf8').toString('base64url');
}

export function fromTagValue(value: string): string {
  return value.startsWith(ENCODED)
    ? Buffer.from(value.slice(ENCODED.length), 'base64url').toString('utf8')
    : value;
}

/** The tags that make SES's events about this attempt its receipt. */
export function outboxTags(ref: OutboxRef, claim: OutboxEntry): Record<string, string> {
  return {
    [OUTBOX_TAGS.holder]: ref.holder,
    [OUTBOX_TAGS.id]: tagValue(ref.id),
    [OUTBOX_TAGS.entry]: tagValue(claim.id),
    [OUTBOX_TAGS.attempt]: tagValue(claim.attemptId ?? ''),
  };
}
