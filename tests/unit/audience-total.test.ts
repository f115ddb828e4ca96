import { describe, expect, it } from 'vitest';
import {
  audienceTotal,
  totalLabel,
  zeroCounts,
  type ShardProgress,
} from '../../functions/core/issues/issue.js';
import { estimateAudience } from '../../functions/core/issues/manage-issues.js';
import type { SubscriberRepository } from '../../functions/core/ports.js';

const shard = (n: number, total?: number): ShardProgress => ({
  issueId: 'i',
  shard: n,
  done: false,
  counts: zeroCounts(),
  ambiguous: [],
  failures: [],
  total,
});
const counted = (totals: (number | undefined)[]) => totals.map((t, n) => shard(n, t));

describe('an issue’s recipients', () => {
  it('stay the estimate, raised to what the shards counted, until every shard has counted; then the exact sum', () => {
    const issue = { total: 100, totalEstimated: true, shards: 4 };
    expect(audienceTotal(issue, [])).toEqual({ total: 100, exact: false });
    expect(audienceTotal(issue, counted([40, 30, undefined, undefined]))).toEqual({
      total: 100,
      exact: false,
    });
    expect(audienceTotal(issue, counted([80, 70, undefined]))).toEqual({
      total: 150,
      exact: false,
    });
    expect(audienceTotal(issue, counted([10, 20, 30, 0]))).toEqual({ total: 60, exact: true });
    expect(totalLabel({ total: 100, totalEstimated: true })).toBe('about 100 (estimate)');
    expect(totalLabel({ total: 60 })).toBe('60');
  });

  it('are exact for an issue counted whole when it started (before shards counted), and unknown before a send', () => {
    expect(audienceTotal({ total: 12, shards: 32 }, counted([undefined]))).toEqual({
      total: 12,
      exact: true,
    });
    expect(audienceTotal({ shards: 32 }, [])).toEqual({ exact: false });
    // A shard past the issue's count (a stray item) is not one of its shards.
    expect(audienceTotal({ total: 5, totalEstimated: true, shards: 1 }, counted([3, 9]))).toEqual({
      total: 3,
      exact: true,
    });
  });

  it('are estimated from the counters: topics capped at every confirmed reader, times the frequencies’ share', async () => {
    const counters = {
      'state:confirmed': 200,
      'topic:economy': 150,
      'topic:politics': 120,
      'frequency:daily': 50,
      'frequency:weekly': 150,
    };
    const deps = {
      subscribers: { counts: async () => counters } as unknown as SubscriberRepository,
    };
    const estimate = (topics: string[], frequencies: ('daily' | 'weekly' | 'immediate')[]) =>
      estimateAudience(deps, { topics, frequencies });
    expect(await estimate(['economy'], ['daily', 'weekly', 'immediate'])).toBe(150);
    expect(await estimate(['economy', 'politics'], ['daily', 'weekly'])).toBe(200);
    expect(await estimate(['economy'], ['daily'])).toBe(38); // 150 × 50 / 200, rounded
    expect(await estimate(['astrology'], ['daily'])).toBe(0);
    const empty = { subscribers: { counts: async () => ({}) } as unknown as SubscriberRepository };
    expect(await estimateAudience(empty, { topics: ['economy'], frequencies: ['daily'] })).toBe(0);
    // One economy reader and one daily one among three: perhaps the same, so "about 1", not 0.
    const few = {
      subscribers: {
        counts: async () => ({ 'state:confirmed': 3, 'topic:economy': 1, 'frequency:daily': 1 }),
      } as unknown as SubscriberRepository,
    };
    expect(await estimateAudience(few, { topics: ['economy'], frequencies: ['daily'] })).toBe(1);
  });
});
