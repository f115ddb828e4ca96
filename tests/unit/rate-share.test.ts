import { describe, expect, it } from 'vitest';
import {
  BEAT_MS,
  bulkRate,
  LIVE_MS,
  RateShare,
  shareOf,
} from '../../functions/core/delivery/rate-share.js';
import { fixedClock } from '../support/builders.js';
import { MemorySenderRegistry } from '../support/fakes/memory-sender-registry.js';

describe('the account’s rate, shared', () => {
  it('is the bulk share of MaxSendRate, less what transactional mail reserves', () => {
    expect(bulkRate(14, 0.8)).toBeCloseTo(11.2);
    expect(bulkRate(14, 0.8, 0.25)).toBeCloseTo(8.4);
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
    const share = await RateShare.join(registry, 'newcomer', 16, { clock, sleep });
    expect(waits[0]).toBeGreaterThanOrEqual(BEAT_MS);
    expect(share.pacer.interval).toBeCloseTo((1000 / 8) * 1.01); // half of 16/s
    await share.leave();
    expect(registry.senders.has('newcomer')).toBe(false);
  });
});
