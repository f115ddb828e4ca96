import type { WebhookEventType } from './endpoint.js';

export type ReaderEventType = Extract<WebhookEventType, `reader.${string}`>;

/**
 * A reader's event not yet queued for the webhook sender, kept on the record by the very write
 * that made the change: a process killed after that write leaves the event on the record, and
 * whoever writes the record next (the outbox's drain, or its sweep) queues it. Its id and data
 * are fixed when the change is made, so queueing it again is harmless (deliveries are written
 * only where none is) and it says what the change was, not what the record became later.
 */
export type PendingReaderEvent = {
  id: string;
  type: ReaderEventType;
  at: string;
  data: Record<string, unknown>;
};
