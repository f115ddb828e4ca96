import type { OutgoingMessage } from '../ports.js';
import type { OutboxEntry } from './entry.js';

/** Where an entry lives: a subscriber's record, or a test send's own item. */
export type OutboxHolder = 'subscriber' | 'message';
export type OutboxRef = { holder: OutboxHolder; id: string };
/**
 * An entry as the index lists it, with the address it goes to (the editors' view), and whether
 * the record also holds webhook events not yet queued (core/webhooks/reader-events.ts).
 */
export type OutboxListing = OutboxRef & { to: string; entry: OutboxEntry; eventsPending?: boolean };

/** A test send: the rendered message itself, since an issue's MJML is not the sender's to render. */
export type OutboxMessage = {
  id: string;
  message: OutgoingMessage;
  outbox: OutboxEntry;
  version: number;
};

/**
 * The outbox's index (a sparse one: only items with an entry queued, in flight or given up carry
 * its keys) and the test sends' own items. Subscribers' entries are read and written with their
 * record, through the SubscriberRepository.
 */
export interface OutboxStore {
  /** Entries to act on now: queued ones that are due, and claims abandoned past their timeout. */
  due(now: Date, limit: number): Promise<OutboxListing[]>;
  /**
   * When the entry first in line among those not yet sent (queued, retrying, or claimed and
   * awaiting SES's receipt) was queued: one Query of Limit 1 per partition, never a Scan.
   * Undefined when nothing waits.
   */
  oldestWaiting(): Promise<string | undefined>;
  /**
   * Subscribers holding webhook events not yet queued and no entry in flight to carry them (an
   * unsubscribe whose request died before queueing its event), oldest first: the sweep's work.
   */
  withEvents(limit: number): Promise<OutboxRef[]>;
  /** Given-up entries, newest first. */
  failed(limit: number): Promise<OutboxListing[]>;
  getMessage(id: string): Promise<OutboxMessage | undefined>;
  createMessage(message: OutboxMessage): Promise<boolean>;
  /** Conditional on the stored version being `next.version - 1`, as every subscriber write. */
  saveMessage(next: OutboxMessage): Promise<boolean>;
}
