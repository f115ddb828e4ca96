import type { SubscriberRepository } from '../ports.js';
import type { Subscriber } from '../subscribers/subscriber.js';
import { newEventId } from './delivery.js';
import { type EmitDeps, emitEvent, endpointsWanting } from './emit.js';
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

/**
 * What a receiver learns of a reader: their id and address (so it can find them in its own
 * records), their state, and their choices when those are what changed. Nothing else: no consent
 * record, no IP address (docs/security.md, "Webhooks").
 */
export function readerData(type: ReaderEventType, reader: Subscriber) {
  const base = { id: reader.id, email: reader.email };
  if (type === 'reader.erased') return { reader: base };
  if (type === 'reader.preferences_changed')
    return {
      reader: { ...base, state: reader.state, topics: reader.topics, frequency: reader.frequency },
    };
  return { reader: { ...base, state: reader.state } };
}

/**
 * The change's event added to the record it is written with, if an endpoint asks for that type
 * (read before the change, cached for a second: every signup reads the list alike, known address
 * or not). Called with the record as it will be stored.
 */
export async function readerEvent(
  deps: EmitDeps,
  type: ReaderEventType,
): Promise<(next: Subscriber) => Subscriber> {
  if ((await endpointsWanting(deps, type)).length === 0) return (next) => next;
  const now = deps.clock.now();
  return (next) => ({
    ...next,
    events: [
      ...(next.events ?? []),
      { id: newEventId(now), type, at: now.toISOString(), data: readerData(type, next) },
    ],
  });
}

export type FlushDeps = EmitDeps & { subscribers: SubscriberRepository };
const MAX_ATTEMPTS = 8;

/**
 * Queues the record's pending events for the webhook sender, then takes them off the record by a
 * write conditional on the version read. Killed in between, or losing a race, the events are
 * still there and queued again next time, with their fixed ids: none lost, none twice.
 */
export async function flushReaderEvents(deps: FlushDeps, id: string): Promise<void> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const current = await deps.subscribers.get(id);
    if (!current?.events?.length) return;
    for (const event of current.events)
      await emitEvent(deps, event.type, event.data, { id: event.id, createdAt: event.at });
    const { events: _queued, ...rest } = current;
    if (await deps.subscribers.save({ ...rest, version: current.version + 1 })) return;
  }
  // Still pending on the record: the outbox's sweep queues them on its next pass.
}

/**
 * A reader's event queued at once: only an erasure's, queued before the record goes (every other
 * rides on the record: `readerEvent`).
 */
export const emitReaderEvent = (deps: EmitDeps, type: ReaderEventType, reader: Subscriber) =>
  emitEvent(deps, type, readerData(type, reader));
