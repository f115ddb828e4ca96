import { describe, expect, it } from 'vitest';
import { splitRate } from '../../functions/core/delivery/rate-budget.js';
import { BEAT_MS, LIVE_MS, RateShare, shareOf } from '../../functions/core/delivery/rate-share.js';
import { fixedClock } from '../support/builders.js';
import { MemorySenderRegistry } from '../support/fakes/memory-sender-registry.js';

describe('the account’s rate, shared', () => {
  it('is the bulk share of MaxSendRate, less what transactional mail reserves', () => {
    const pacing = { rateFraction: 0.8, workers: 1 };
    expect(splitRate(14, { ...pacing, transactionalShare: 0.2 })).toEqual({
      total: expect.closeTo(11.2),
      transactional: 2,
      bulk: expect.closeTo(9.2),
    });
    expect(splitRate(100, { ...pacing, transactionalShare: 0.25 })).toEqual({
      total: 80,
      transactional: 20,
      bulk: 60,
    });
    expect(splitRate(14, { ...pacing, fixedRate: 50, transactionalShare: 0.2 })).toMatchObject({
      total: 50,
      transactional: 10,
      bulk: 40,
    });
  });

  it('never lets bulk senders and the transactional drain together put more than the rate in a second', () => {
    // A pacer at r a second can put ⌈r⌉ sends in some one-second window.
    for (const maxSendRate of [2.5, 3, 5, 14, 20, 37, 50, 100, 500])
      for (const transactionalShare of [0.05, 0.2, 0.5])
        for (const senders of [1, 2, 3, 5]) {
          const split = splitRate(maxSendRate, {
            rateFraction: 0.8,
            workers: 1,
            transactionalShare,
          });
          // More senders than messages a second: each still sends one in some second (documented).
          if (split.bulk < senders) continue;
          const bulk = senders * Math.ceil(shareOf(split.bulk, senders, true));
          expect(bulk + Math.ceil(split.transactional)).toBeLessThanOrEqual(split.total);
          expect(split.bulk + split.transactional).toBeLessThanOrEqual(split.total + 1e-9);
        }
  });

  it('gives a lone sender all of it, and shared senders whole numbers that add up to no more', () => {
    expect(shareOf(11.2, 1)).toBeCloseTo(11.2);
    expect(shareOf(16, 3)).toBe(5);
    for (const senders of [2, 3, 5, 7])
      expect(senders * Math.ceil(shareOf(16, senders))).toBeLessThanOrEqual(16);
  });

  it('waits a beat and a half before a joining worker sends, so the others have slowed first', async () => {
    const clock = fixedClock();
    const registry = new MemorySenderRegistry();
    const until = new Date(clock.now().getTime() + LIVE_MS * 10);
    await registry.beat('already-sending', clock.now(), until);
    const waits: number[] = [];
    const sleep = async (ms: number) => {
      waits.push(ms);
      clock.advance(ms);
    };
    const share = await RateShare.join(
      registry,
      'newcomer',
      { total: 16, transactional: 0, bulk: 16 },
      { clock, sleep },
    );
    expect(waits[0]).toBeGreaterThanOrEqual(BEAT_MS);
    expect(share.pacer.interval).toBeCloseTo((1000 / 8) * 1.01); // half of 16/s
    await share.leave();
    expect(registry.senders.has('newcomer')).toBe(false);
  });
});
