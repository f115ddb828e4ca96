import { sent, type OutboxEntry } from './entry.js';
import { changeEntryOnly, type EntryStores } from './holders.js';
import type { OutboxHolder, OutboxRef } from './ports.js';
import { fromTagValue, OUTBOX_TAGS } from './tags.js';

/**
 * SES's receipt for one attempt at one outbox email: an event about a message carrying the tags of
 * tags.ts. Any event that proves SES accepted it will do (Send, Delivery, Bounce…).
 */
export type Receipt = OutboxRef & {
  entryId: string;
  attemptId: string;
  /** SES's message id, as its event names it. */
  messageId: string;
  /** When SES took the message (the event's `mail.timestamp`). */
  at: Date;
  /** The event type that proves it, kept on the entry. */
  proof: string;
};

/** The receipt an SES event's tags (`mail.tags`, each a list) carry, if it is about an outbox email. */
export function receiptIn(
  tags: Record<string, string[]>,
  event: { messageId: string; at: Date; proof: string },
): Receipt | undefined {
  const one = (name: string) => {
    const value = tags[name]?.[0];
    return value ? fromTagValue(value) : undefined;
  };
  const holder = one(OUTBOX_TAGS.holder);
  const id = one(OUTBOX_TAGS.id);
  const entryId = one(OUTBOX_TAGS.entry);
  const attemptId = one(OUTBOX_TAGS.attempt);
  if ((holder !== 'subscriber' && holder !== 'message') || !id || !entryId || !attemptId)
    return undefined;
  return { holder: holder as OutboxHolder, id, entryId, attemptId, ...event };
}

/**
 * - `settled`: the receipt recorded the send its sender could not;
 * - `known`: the entry already says sent (its sender wrote it; or a receipt came twice);
 * - `superseded`: the receipt is for an attempt that was given up for lack of it and sent again:
 *   that reader may have this email twice (logged, docs/sending.md);
 * - `unrelated`: the slot holds another entry now (a newer email), or the item is gone.
 */
export type ReceiptOutcome = 'settled' | 'known' | 'superseded' | 'unrelated';

/**
 * Settles the entry a receipt names as sent, but only that very entry and attempt, and only while
 * it is still unsettled (`sending`) or was given up (at expiry, or as ambiguous before receipts
 * were read). Idempotent: a second receipt for the same attempt finds it sent and writes nothing.
 */
export async function applyReceipt(deps: EntryStores, receipt: Receipt): Promise<ReceiptOutcome> {
  let outcome: ReceiptOutcome = 'unrelated';
  await changeEntryOnly(deps, receipt, (entry) => {
    outcome = judge(entry, receipt);
    if (outcome !== 'settled' || !entry) return undefined;
    return { ...sent(entry, receipt.messageId, receipt.at), receipt: receipt.proof };
  });
  return outcome;
}

function judge(entry: OutboxEntry | undefined, receipt: Receipt): ReceiptOutcome {
  if (entry?.id !== receipt.entryId) return 'unrelated';
  if (entry.attemptId !== receipt.attemptId) return entry.resent ? 'superseded' : 'unrelated';
  if (entry.state === 'sent') return 'known';
  // Queued under this attempt id is an attempt SES refused (a throttle): it cannot have a receipt.
  return entry.state === 'sending' || entry.state === 'failed' ? 'settled' : 'unrelated';
}
