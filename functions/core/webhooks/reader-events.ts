import type { SubscriberRepository } from '../ports.js';
import type { Subscriber } from '../subscribers/subscriber.js';
import { newEventId } from './delivery.js';
import { type EmitDeps, emitEvent, endpointsWanting } from './emit.js';
import type { ReaderEventType } from './pending-event.js';

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
  if (!deps.webhooks) return (next) => next;
  // The list unreadable (the table throttled): the event goes on the record all the same, and
  // its queueing reads the list again; the reader's change never waits on webhooks.
  const wanted = await endpointsWanting(deps, type).then(
    (endpoints) => endpoints.length > 0,
    () => true,
  );
  if (!wanted) return (next) => next;
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
export async function flushReaderEvents(deps: FlushDeps, id: string): Promise<boolean> {
  // Without the store (the CLI, a unit test) they stay on the record for a process that has it.
  if (!deps.webhooks) return false;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const current = await deps.subscribers.get(id);
    if (!current?.events?.length) return true;
    for (const event of current.events)
      await emitEvent(deps, event.type, event.data, { id: event.id, createdAt: event.at });
    const { events: _queued, ...rest } = current;
    if (await deps.subscribers.save({ ...rest, version: current.version + 1 })) return true;
  }
  // Still pending on the record: the outbox's sweep queues them on its next pass.
  return false;
}

/**
 * A reader's event queued at once: only an erasure's, queued before the record goes (every other
 * rides on the record: `readerEvent`).
 */
export const emitReaderEvent = (deps: EmitDeps, type: ReaderEventType, reader: Subscriber) =>
  emitEvent(deps, type, readerData(type, reader));
