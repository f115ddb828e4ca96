import type { Subscriber } from './subscriber.js';

/** Counters the dashboard reads: by state, and for confirmed readers by topic and frequency; per day, joins and leaves. */
export type SubscriberCounts = Record<string, number>;

/**
 * How one write changes the counters, from the record before and after it (either may be absent:
 * a create, a deletion). Keys: `state:<s>`, `topic:<t>` and `frequency:<f>` (confirmed readers),
 * `joined:<day>`, `left:<day>`.
 */
export function countsDelta(
  before: Subscriber | undefined,
  after: Subscriber | undefined,
): SubscriberCounts {
  const delta: SubscriberCounts = {};
  const add = (key: string, n: number) => (delta[key] = (delta[key] ?? 0) + n);
  const apply = (s: Subscriber | undefined, sign: number) => {
    if (!s) return;
    add(`state:${s.state}`, sign);
    if (s.state === 'confirmed') {
      for (const t of s.topics) add(`topic:${t}`, sign);
      add(`frequency:${s.frequency}`, sign);
    }
  };
  apply(before, -1);
  apply(after, +1);
  if (!before && after) add(`joined:${after.createdAt.slice(0, 10)}`, 1);
  if (after?.state === 'unsubscribed' && before?.state !== 'unsubscribed' && after.unsubscribedAt)
    add(`left:${after.unsubscribedAt.slice(0, 10)}`, 1);
  for (const [key, n] of Object.entries(delta)) if (n === 0) delete delta[key];
  return delta;
}

/** The sum of two sets of counter changes, without the keys that come to zero. */
export function sumCounts(
  a: SubscriberCounts | undefined,
  b: SubscriberCounts | undefined,
): SubscriberCounts {
  const sum: SubscriberCounts = { ...a };
  for (const [key, n] of Object.entries(b ?? {})) sum[key] = (sum[key] ?? 0) + n;
  for (const [key, n] of Object.entries(sum)) if (n === 0) delete sum[key];
  return sum;
}

/**
 * A signup's record: its counter change is added to what the record already owed, not applied,
 * so the signup makes no second write (and a known address's signup costs what a new one does).
 */
export function owingCounts(before: Subscriber | undefined, after: Subscriber): Subscriber {
  const owed = sumCounts(before?.countsOwed, countsDelta(before, after));
  return { ...after, countsOwed: Object.keys(owed).length > 0 ? owed : undefined };
}

/**
 * What any other write applies to the counters: its own change, plus whatever the record it
 * replaces still owed. The written record owes nothing (see `withoutOwed`).
 */
export function settledCounts(
  before: Subscriber | undefined,
  after: Subscriber | undefined,
): SubscriberCounts {
  return sumCounts(before?.countsOwed, countsDelta(before, after));
}

/** The record as a settling write stores it. */
export function withoutOwed(subscriber: Subscriber): Subscriber {
  const { countsOwed: _owed, ...rest } = subscriber;
  return rest;
}
