import type { Clock } from '../clock.js';
import type { QuotaSource } from '../ports.js';
import type { Pacing, SenderRegistry } from './deps.js';
import { Pacer } from './pacer.js';
import { meanwhileRate, TransactionalPace } from './transactional-presence.js';

/** Transactional mail's share of the service's rate unless TRANSACTIONAL_RATE_SHARE says otherwise. */
export const DEFAULT_TRANSACTIONAL_SHARE = 0.2;

/** How the service's rate (SEND_RATE_FRACTION × MaxSendRate, or SEND_RATE) is split, per second. */
export type RateSplit = {
  total: number;
  /** Reserved for transactional mail: the outbox's drains pace at this. */
  transactional: number;
  /** What is left for bulk sends, divided among the workers sending (rate-share.ts). */
  bulk: number;
};

/**
 * The one place the split is decided: the bulk pacers take their part from it, the outbox's
 * drains theirs. A pacer at r a second can put ⌈r⌉ sends in some one-second window, so with both
 * kinds sending the transactional share is kept to a whole number (a slot when it is under one)
 * and bulk is left the rest: the two can then never add up to more than `total` in any second.
 */
export function splitRate(maxSendRate: number, pacing: Pacing): RateSplit {
  const total = pacing.fixedRate ?? maxSendRate * pacing.rateFraction;
  const share = total * (pacing.transactionalShare ?? DEFAULT_TRANSACTIONAL_SHARE);
  if (share <= 0) return { total, transactional: 0, bulk: total };
  const whole = Math.floor(share);
  const slots = Math.max(1, whole);
  // Under two a second there is no room for two whole pacers (SES's throttling is retried).
  if (total - slots < 1) return { total, transactional: share, bulk: total - share };
  return { total, transactional: whole >= 1 ? whole : share, bulk: total - slots };
}

/** One slot at a time at the transactional rate: `take()` resolves when the next email may go. */
export type SendBudget = { take(): Promise<void> };

/** Where transactional mail says it is sending, so bulk senders give its share back (rate-share.ts). */
export type Presence = { registry: SenderRegistry; clock: Clock };

/**
 * One pace per rate per process: the local stack's outbox poller and its tick share one, so two
 * senders in one process do not each take the whole share.
 */
const paces = new Map<string, SendBudget>();

/**
 * Slots at the transactional share. With `presence` (and the quota's rate: a fixed SEND_RATE
 * borrows nothing), each send first registers this process as a transactional sender, and keeps
 * to what borrowing bulk senders leave until they have given the share back
 * (transactional-presence.ts).
 */
export function transactionalBudget(
  quota: QuotaSource,
  pacing: Pacing,
  monotonic?: () => number,
  sleep?: (ms: number) => Promise<void>,
  presence?: Presence,
): SendBudget {
  let pace: Promise<SendBudget> | undefined;
  const load = async () => {
    const { maxSendRate } = await quota.get();
    const split = splitRate(maxSendRate, pacing);
    const own = !!monotonic || !!sleep;
    const registered = presence && pacing.fixedRate === undefined ? presence : undefined;
    const rates = { share: split.transactional, meanwhile: meanwhileRate(maxSendRate, split) };
    const key = `${rates.share} ${rates.meanwhile}${registered ? ' registered' : ''}`;
    let shared = own ? undefined : paces.get(key);
    if (!shared) {
      const pacer = new Pacer(split.transactional, monotonic, sleep);
      shared = registered
        ? new TransactionalPace(pacer, rates, registered.registry, registered.clock, sleep)
        : pacer;
      if (!own) paces.set(key, shared);
    }
    return shared;
  };
  return {
    async take() {
      pace ??= load();
      pace.catch(() => {
        pace = undefined;
      });
      await (await pace).take();
    },
  };
}
