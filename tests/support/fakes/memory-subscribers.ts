import type { Page, RecipientQuery, SubscriberRepository } from '../../../functions/core/ports.js';
import { countsDelta } from '../../../functions/core/subscribers/stats.js';
import {
  recipientShardOf,
  type Subscriber,
} from '../../../functions/core/subscribers/subscriber.js';
import { keyOrder } from './key-order.js';

/** An in-memory SubscriberRepository for unit tests of the domain; same contract as the Dynamo one. */
export class MemorySubscriberRepository implements SubscriberRepository {
  readonly items = new Map<string, Subscriber>();

  async get(id: string) {
    const item = this.items.get(id);
    return item && structuredClone(item);
  }

  async create(subscriber: Subscriber) {
    if (this.items.has(subscriber.id)) return false;
    this.items.set(subscriber.id, structuredClone(subscriber));
    return true;
  }

  async save(next: Subscriber) {
    const current = this.items.get(next.id);
    if (!current || current.version !== next.version - 1) return false;
    this.items.set(next.id, structuredClone(next));
    return true;
  }

  async listRecipients(query: RecipientQuery): Promise<Page<Subscriber>> {
    const all = this.matching(query);
    const start = query.cursor ? Number(query.cursor) : 0;
    const limit = query.limit ?? 100;
    const items = all.slice(start, start + limit).map((s) => structuredClone(s));
    return { items, cursor: start + limit < all.length ? String(start + limit) : undefined };
  }

  async delete(id: string) {
    this.items.delete(id);
  }

  async counts() {
    const counts: Record<string, number> = {};
    for (const s of this.items.values())
      for (const [k, v] of Object.entries(countsDelta(undefined, s)))
        counts[k] = (counts[k] ?? 0) + v;
    return counts;
  }

  async listQueuedConfirmations(limit: number) {
    return [...this.items.values()]
      .filter((s) => s.state === 'pending' && s.confirmationQueuedAt)
      .sort((a, b) => a.confirmationQueuedAt!.localeCompare(b.confirmationQueuedAt!))
      .slice(0, limit)
      .map((s) => structuredClone(s));
  }

  async countRecipients(query: Omit<RecipientQuery, 'cursor' | 'limit'>) {
    return this.matching(query).length;
  }

  private matching(query: Omit<RecipientQuery, 'cursor' | 'limit'>) {
    return [...this.items.values()]
      .filter((s) => s.state === 'confirmed' && recipientShardOf(s.id) === query.shard)
      .filter((s) => s.topics.some((t) => query.topics.includes(t)))
      .filter((s) => !query.frequencies || query.frequencies.includes(s.frequency))
      .sort((a, b) => keyOrder(a.id, b.id));
  }
}
