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
