import type { Page, RecipientQuery, SubscriberRepository } from '../../../functions/core/ports.js';
import { settledCounts, withoutOwed } from '../../../functions/core/subscribers/stats.js';
import {
  ACTIVITY_GRANULARITY_MS,
  ActivityAttributes,
  type Activity,
  sendShardOf,
  type Subscriber,
} from '../../../functions/core/subscribers/subscriber.js';
import { keyOrder } from './key-order.js';
import { VersionedItems } from './versioned-items.js';

/**
 * An in-memory SubscriberRepository for unit tests of the domain; same contract as the Dynamo one
 * (tests/support/adapter-contract.ts). One difference it cannot avoid: a DynamoDB page holds up
 * to `limit` items read *before* the filter, so it may come back short or empty with a cursor;
 * here a page is `limit` matching readers. Callers that follow cursors see the same readers.
 */
export class MemorySubscriberRepository
  extends VersionedItems<Subscriber>
  implements SubscriberRepository
{
  /** Kept like the adapter's counter item: every write adds its delta, and nothing recounts. */
  private readonly counters = new Map<string, number>();

  async listRecipients(query: RecipientQuery): Promise<Page<Subscriber>> {
    const all = this.matching(query);
    const start = query.cursor ? Number(query.cursor) : 0;
    const limit = query.limit ?? 100;
    const items = all.slice(start, start + limit).map((s) => structuredClone(s));
    return { items, cursor: start + limit < all.length ? String(start + limit) : undefined };
  }

  async delete(id: string) {
    const before = this.items.get(id);
    this.items.delete(id);
    if (before) this.count(before, undefined);
  }

  async counts() {
    return Object.fromEntries(this.counters);
  }

  /** A settling write, as the adapter's: the record it stores owes the counters nothing. */
  override create(subscriber: Subscriber) {
    return super.create(withoutOwed(subscriber));
  }

  override save(next: Subscriber) {
    return super.save(withoutOwed(next));
  }

  /**
   * Made like the adapter's: a write of 'none' never lands (nothing here can time it anyway), and
   * one that lands leaves its counters owed on the record.
   */
  async writeSignup(next: Subscriber, expected: number | 'none') {
    if (expected === 'none') return false;
    return expected === 0 ? super.create(next) : super.save(next);
  }

  /** As the adapter's: the one attribute, the version left alone, no record made. */
  async noteActivity(id: string, activity: Activity, at: Date) {
    const current = this.items.get(id);
    if (!current) return false;
    const attribute = ActivityAttributes[activity];
    const kept = current[attribute];
    const stale = new Date(at.getTime() - ACTIVITY_GRANULARITY_MS).toISOString();
    if (kept !== undefined && (activity === 'sent' || kept >= stale)) return false;
    current[attribute] = at.toISOString();
    return true;
  }

  async countRecipients(query: Omit<RecipientQuery, 'cursor' | 'limit'>) {
    return this.matching(query).length;
  }

  protected override written(before: Subscriber | undefined, after: Subscriber) {
    // Only a signup stores a record that owes (create and save strip it): it counts nothing.
    if (!after.countsOwed) this.count(before, after);
  }

  private count(before: Subscriber | undefined, after: Subscriber | undefined) {
    for (const [key, n] of Object.entries(settledCounts(before, after)))
      this.counters.set(key, (this.counters.get(key) ?? 0) + n);
  }

  private matching(query: Omit<RecipientQuery, 'cursor' | 'limit'>) {
    return [...this.items.values()]
      .filter((s) => s.state === 'confirmed' && sendShardOf(s.id, query.shards) === query.shard)
      .filter((s) => s.topics.some((t) => query.topics.includes(t)))
      .filter((s) => !query.frequencies || query.frequencies.includes(s.frequency))
      .sort((a, b) => keyOrder(a.id, b.id));
  }
}
