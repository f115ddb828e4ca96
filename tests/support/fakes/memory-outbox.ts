import type { OutboxEntry } from '../../../functions/core/outbox/entry.js';
import type {
  OutboxListing,
  OutboxMessage,
  OutboxStore,
} from '../../../functions/core/outbox/ports.js';
import { earliestQueued } from '../../../functions/core/outbox/oldest.js';
import { keyOrder } from './key-order.js';
import type { MemorySubscriberRepository } from './memory-subscribers.js';
import { VersionedItems } from './versioned-items.js';

/**
 * The outbox over the subscriber fake's records and its own test-send items, listed as the
 * adapter's sparse index orders them (due time, then holder and id).
 */
export class MemoryOutboxStore extends VersionedItems<OutboxMessage> implements OutboxStore {
  constructor(private readonly subscribers: MemorySubscriberRepository) {
    super();
  }

  async due(now: Date, limit: number) {
    const upTo = now.toISOString();
    const due = (state: OutboxEntry['state']) =>
      this.listings(state).filter((l) => this.sortedAt(l) <= upTo);
    return [...due('sending'), ...due('queued')].slice(0, limit);
  }

  async withEvents(limit: number) {
    return [...this.subscribers.items.values()]
      .filter((s) => s.events?.length && !active(s.outbox))
      .sort((a, b) => keyOrder(`${a.events![0]!.at}#${a.id}`, `${b.events![0]!.at}#${b.id}`))
      .slice(0, limit)
      .map((s) => ({ holder: 'subscriber' as const, id: s.id }));
  }

  async oldestWaiting() {
    return earliestQueued(
      [this.listings('queued')[0], this.listings('sending')[0]].filter((l) => l !== undefined),
    );
  }

  async failed(limit: number) {
    return this.listings('failed').reverse().slice(0, limit);
  }

  getMessage(id: string) {
    return this.get(id);
  }
  createMessage(message: OutboxMessage) {
    return this.create(message);
  }
  saveMessage(next: OutboxMessage) {
    return this.save(next);
  }

  private listings(state: OutboxEntry['state']): OutboxListing[] {
    const all: OutboxListing[] = [
      ...[...this.subscribers.items.values()].flatMap((s) =>
        // A record with webhook events pending and no entry in flight is the sweep's, not listed.
        s.outbox && (active(s.outbox) || !s.events?.length)
          ? [
              {
                holder: 'subscriber' as const,
                id: s.id,
                to: s.email,
                entry: s.outbox,
                eventsPending: (s.events?.length ?? 0) > 0,
              },
            ]
          : [],
      ),
      ...[...this.items.values()].map((m) => ({
        holder: 'message' as const,
        id: m.id,
        to: m.message.to,
        entry: m.outbox,
      })),
    ];
    const at = (l: OutboxListing) => `${this.sortedAt(l)}#${l.holder}#${l.id}`;
    return all
      .filter((l) => l.entry.state === state)
      .sort((a, b) => keyOrder(at(a), at(b)))
      .map((l) => structuredClone(l));
  }

  /** When the adapter's index sorts it: by when it is due, or was given up. */
  private sortedAt(l: OutboxListing) {
    return l.entry.state === 'failed' ? (l.entry.failedAt ?? l.entry.dueAt) : l.entry.dueAt;
  }
}

const active = (entry: OutboxEntry | undefined) =>
  entry?.state === 'queued' || entry?.state === 'sending';
