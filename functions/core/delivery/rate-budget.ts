import type { QuotaSource } from '../ports.js';
import type { Pacing } from './deps.js';
import { Pacer } from './pacer.js';

/** Transactional mail's share of the service's rate unless TRANSACTIONAL_RATE_SHARE says otherwise. */
export const DEFAULT_TRANSACTIONAL_SHARE = 0.2;

/** How the service's rate (SEND_RATE_FRACTION × MaxSendRate, or SEND_RATE) is split, per second. */
export type RateSplit = {
  total: number;
  /** Reserved for transactional mail: the outbox never sends faster. */
  transactional: number;
  /** What bulk sends can count on; they may borrow what transactional mail leaves unused. */
  bulk: number;
};

/**
 * The one place the split is decided, so the account-wide pacer can own it later: the bulk
 * pacer consults `splitRate` for its part, and the outbox takes its slots from `transactionalPacer`.
 */
export function splitRate(maxSendRate: number, pacing: Pacing): RateSplit {
  const total = pacing.fixedRate ?? maxSendRate * pacing.rateFraction;
  const transactional = total * (pacing.transactionalShare ?? DEFAULT_TRANSACTIONAL_SHARE);
  return { total, transactional, bulk: total - transactional };
}

/** One slot at a time at the transactional rate: `take()` resolves when the next email may go. */
export type SendBudget = { take(): Promise<void> };

/**
 * One pacer per rate per process: the local stack's outbox poller and its tick share one, so two
 * senders in one process do not each take the whole share.
 */
const pacers = new Map<number, Pacer>();

export function transactionalBudget(
  quota: QuotaSource,
  pacing: Pacing,
  monotonic?: () => number,
  sleep?: (ms: number) => Promise<void>,
): SendBudget {
  let pacer: Promise<Pacer> | undefined;
  const load = async () => {
    const rate = splitRate((await quota.get()).maxSendRate, pacing).transactional;
    let shared = pacers.get(rate);
    if (!shared || monotonic || sleep) {
      shared = new Pacer(rate, monotonic, sleep);
      if (!monotonic && !sleep) pacers.set(rate, shared);
    }
    return shared;
  };
  return {
    async take() {
      pacer ??= load();
      pacer.catch(() => {
        pacer = undefined;
      });
      await (await pacer).take();
    },
  };
}
