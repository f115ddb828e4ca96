import { afterEach, describe, expect, it, vi } from 'vitest';
import { Pacer } from '../../functions/core/delivery/pacer.js';
import { splitRate } from '../../functions/core/delivery/rate-budget.js';
import {
  ANSWER_MS,
  BEAT_MS,
  BORROW_MS,
  bulkShareOf,
  JOIN_MS,
  LIVE_MS,
  RateShare,
  shareOf,
  TOLD_MS,
} from '../../functions/core/delivery/rate-share.js';
import {
  meanwhileRate,
  SendPaceUnavailable,
  TransactionalPace,
} from '../../functions/core/delivery/transactional-presence.js';
import { fixedClock } from '../support/builders.js';
import { MemorySenderRegistry } from '../support/fakes/memory-sender-registry.js';

/** A clock, and a sleep and pacer clock that move it: waits take no real time. */
function timing() {
  const clock = fixedClock();
  const waits: number[] = [];
  const sleep = async (ms: number) => {
    waits.push(ms);
    clock.advance(ms);
  };
  return { clock, sleep, waits, monotonic: () => clock.now().getTime() };
}
/** A pacer's rate a second, from its spacing (1 % over 1000 / rate: pacer.ts). */
const rateOf = (pacer: Pacer) => (1000 * 1.01) / pacer.interval;
/** 16/s for the service at MaxSendRate 20: 3/s kept for transactional mail, 13/s for bulk. */
const SPLIT = splitRate(20, { rateFraction: 0.8, workers: 1 });
afterEach(() => {
  vi.useRealTimers();
});

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

  it('waits before a joining worker sends until the others have slowed and their old sends left the second', async () => {
    const clock = fixedClock();
    const registry = new MemorySenderRegistry();
    const until = new Date(clock.now().getTime() + LIVE_MS * 10);
    await registry.beat('already-sending', clock.now(), until);
    const waits: number[] = [];
    const sleep = async (ms: number) => {
      waits.push(ms);
      clock.advance(ms);
    };
    const share = await RateShare.acquire(
      registry,
      { total: 16, transactional: 0, bulk: 16 },
      { clock, sleep },
    );
    // The other's next beat within BEAT_MS, answered within a second, then a whole second for
    // the sends it made at its old share to leave the window the newcomer's first send falls in.
    expect(waits[0]).toBeGreaterThanOrEqual(BEAT_MS + 1_000 + 1_000);
    expect(share.pacer.interval).toBeCloseTo((1000 / 8) * 1.01); // half of 16/s
    await share.release();
  });
});

describe('bulk borrowing transactional mail’s share', () => {
  it('lets bulk use the whole service rate while no transactional mail is sent, and never more than MaxSendRate beside it', () => {
    for (const maxSendRate of [3, 5, 14, 20, 37, 100, 500])
      for (const rateFraction of [0.5, 0.8, 0.9, 1])
        for (const transactionalShare of [0.05, 0.2, 0.5])
          for (const bulk of [1, 2, 3, 5]) {
            const split = splitRate(maxSendRate, { rateFraction, workers: 1, transactionalShare });
            if (split.total < bulk) continue; // more senders than messages a second (documented)
            const alone = { bulk, transactional: 0 };
            const borrowed = bulk * Math.ceil(bulkShareOf(split, alone));
            expect(borrowed).toBeLessThanOrEqual(Math.ceil(split.total));
            // One issue alone gets the whole service rate, not only the bulk part.
            if (bulk === 1) expect(bulkShareOf(split, alone)).toBeCloseTo(split.total);
            // A transactional sender that starts while bulk still borrows keeps within the rest,
            // a slot for each side's jitter spare.
            const meanwhile = meanwhileRate(maxSendRate, split);
            if (meanwhile > 0)
              expect(borrowed + Math.ceil(meanwhile)).toBeLessThanOrEqual(maxSendRate - 2);
            // Once bulk is back at its share, the two fit in the service's rate.
            const own = bulk * Math.ceil(bulkShareOf(split, { bulk, transactional: 1 }));
            if (split.total - Math.ceil(split.transactional) >= bulk)
              expect(own + Math.ceil(split.transactional)).toBeLessThanOrEqual(split.total);
          }
  });

  it('gives the share back at the next beat once transactional mail is sending, and takes it again once that stops', async () => {
    vi.useFakeTimers();
    const { clock, sleep, monotonic } = timing();
    const registry = new MemorySenderRegistry();
    const share = await RateShare.acquire(registry, SPLIT, { clock, sleep, monotonic });
    expect(rateOf(share.pacer)).toBeCloseTo(SPLIT.total); // alone: the whole 16/s
    await registry.beat(
      'drain',
      clock.now(),
      new Date(clock.now().getTime() + LIVE_MS),
      'transactional',
    );
    clock.advance(BEAT_MS);
    await vi.advanceTimersByTimeAsync(BEAT_MS);
    expect(rateOf(share.pacer)).toBeCloseTo(SPLIT.bulk); // 13/s: the drain has its 3
    // The drain sent nothing since: once its item runs out, bulk has the whole rate again.
    clock.advance(LIVE_MS);
    await vi.advanceTimersByTimeAsync(LIVE_MS);
    expect(rateOf(share.pacer)).toBeCloseTo(SPLIT.total);
    await share.release();
  });

  it('stops borrowing on its own when its beats stop getting through', async () => {
    vi.useFakeTimers();
    const { clock, sleep, monotonic } = timing();
    const registry = new MemorySenderRegistry();
    const share = await RateShare.acquire(registry, SPLIT, { clock, sleep, monotonic });
    registry.beat = async () => {
      throw new Error('DynamoDB unavailable');
    };
    clock.advance(BORROW_MS - 1);
    expect(rateOf(share.pacer)).toBeCloseTo(SPLIT.total);
    clock.advance(1); // no timer needed: the pacer asks at each slot
    expect(rateOf(share.pacer)).toBeCloseTo(SPLIT.bulk);
    await share.release();
  });
});

describe('a sender that may not have seen a joiner', () => {
  it('slows to the pace for one sender more while a beat fails or goes unanswered past ANSWER_MS, and takes its pace back once one gets through', async () => {
    vi.useFakeTimers();
    const { clock, sleep, monotonic } = timing();
    const registry = new MemorySenderRegistry();
    const share = await RateShare.acquire(registry, SPLIT, { clock, sleep, monotonic });
    expect(rateOf(share.pacer)).toBeCloseTo(SPLIT.total); // alone, borrowing
    const answer = registry.beat.bind(registry);
    // The next beat hangs: a joiner may have written meanwhile, unseen.
    let release: () => void = () => {};
    registry.beat = (...args) =>
      new Promise((resolve) => {
        release = () => resolve(answer(...args));
      });
    clock.advance(BEAT_MS);
    await vi.advanceTimersByTimeAsync(BEAT_MS);
    expect(rateOf(share.pacer)).toBeCloseTo(SPLIT.total); // asked, not yet late
    await vi.advanceTimersByTimeAsync(ANSWER_MS);
    const slowed = shareOf(SPLIT.bulk, 2, true);
    expect(rateOf(share.pacer)).toBeCloseTo(slowed);
    // Answered at last, alone still: its pace again.
    release();
    await vi.advanceTimersByTimeAsync(0);
    expect(rateOf(share.pacer)).toBeCloseTo(SPLIT.total);
    // A beat that fails: slowed at once.
    registry.beat = async () => {
      throw new Error('DynamoDB unavailable');
    };
    clock.advance(BEAT_MS);
    await vi.advanceTimersByTimeAsync(BEAT_MS);
    expect(rateOf(share.pacer)).toBeCloseTo(slowed);
    await share.release();
  });

  it('beats a beat after its join beat began, however long that beat took to answer', async () => {
    vi.useFakeTimers();
    const { clock, sleep, monotonic } = timing();
    const registry = new MemorySenderRegistry();
    const starts: number[] = [];
    const answer = registry.beat.bind(registry);
    registry.beat = async (...args) => {
      starts.push(clock.now().getTime());
      // Each beat takes 900 ms to be answered.
      clock.advance(900);
      return answer(...args);
    };
    const share = await RateShare.acquire(registry, SPLIT, { clock, sleep, monotonic });
    const joined = starts.at(-1)!;
    const wait = joined + BEAT_MS - clock.now().getTime();
    clock.advance(wait);
    await vi.advanceTimersByTimeAsync(wait);
    expect(starts.at(-1)! - joined).toBe(BEAT_MS);
    await share.release();
  });
});

describe('a sender’s registration, kept by its process', () => {
  it('lets the next run in the same process send at once, and makes a run after its item ran out wait again', async () => {
    const { clock, sleep, waits, monotonic } = timing();
    const registry = new MemorySenderRegistry();
    const run = () => RateShare.acquire(registry, SPLIT, { clock, sleep, monotonic });
    const first = await run();
    expect(waits).toEqual([JOIN_MS]); // a container's first run joins
    await first.release();
    clock.advance(1_000); // the next SQS message, a second later
    const second = await run();
    expect(second.id).toBe(first.id);
    expect(waits).toHaveLength(1); // no wait
    await second.release();
    // The container is frozen (or idle): nothing beats, and the item runs out for the others.
    clock.advance(LIVE_MS);
    expect(
      await registry.beat('other', clock.now(), new Date(clock.now().getTime() + LIVE_MS)),
    ).toEqual({ bulk: 1, transactional: 0 });
    const third = await run();
    expect(waits).toEqual([JOIN_MS, JOIN_MS]); // joins again: the other may have grown
    expect(rateOf(third.pacer)).toBeCloseTo(SPLIT.total / 2);
    await third.release();
  });

  it('gives two runs at once in one process a registration each', async () => {
    const { clock, monotonic } = timing();
    const registry = new MemorySenderRegistry();
    const sleep = async () => {}; // both wait at once: the clock is not moved twice
    const run = () => RateShare.acquire(registry, SPLIT, { clock, sleep, monotonic });
    const [a, b] = await Promise.all([run(), run()]);
    expect(a.id).not.toBe(b.id);
    expect(rateOf(a.pacer)).toBe(8); // 16/s between two, whole
    await Promise.all([a.release(), b.release()]);
  });
});

describe('transactional mail beside borrowing bulk', () => {
  // 16/s for the service at MaxSendRate 20: borrowed, bulk leaves 4, less two for jitter.
  const rates = { share: SPLIT.transactional, meanwhile: meanwhileRate(20, SPLIT) };
  function pace(registry = new MemorySenderRegistry(), paced = rates) {
    const t = timing();
    const pacer = new Pacer(paced.share, t.monotonic, t.sleep);
    const sent: number[] = [];
    const budget = new TransactionalPace(pacer, paced, registry, t.clock, t.sleep);
    const send = async (n: number) => {
      for (let i = 0; i < n; i++) {
        await budget.take();
        sent.push(t.clock.now().getTime() - start);
      }
    };
    const start = t.clock.now().getTime();
    return { ...t, registry, send, sent, start };
  }
  const bulkLive = (registry: MemorySenderRegistry, at: Date) =>
    registry.beat('bulk', at, new Date(at.getTime() + 60_000));

  it('sends its whole share at once when no bulk sender is live', async () => {
    const p = pace();
    await p.send(6);
    expect(p.sent[0]).toBe(0);
    expect(p.sent[5]).toBeLessThan(2_000); // 3 a second
  });

  it('sends within what borrowing bulk leaves until bulk has been told, then its whole share', async () => {
    const registry = new MemorySenderRegistry();
    const p = pace(registry);
    await bulkLive(registry, p.clock.now());
    await p.send(16);
    expect(rates).toEqual({ share: 3, meanwhile: 2 });
    expect(p.sent[0]).toBe(0); // a confirmation waits for nobody
    const before = p.sent.filter((at) => at < TOLD_MS);
    // ⌈meanwhile × TOLD_MS⌉ at most: 16/s of bulk and these keep under MaxSendRate 20.
    expect(before.length).toBeLessThanOrEqual(Math.ceil((rates.meanwhile * TOLD_MS) / 1000));
    const after = p.sent.filter((at) => at >= TOLD_MS);
    const rate = (after.length - 1) / ((after.at(-1)! - after[0]!) / 1000);
    expect(rate).toBeGreaterThan(rates.share * 0.97);
    expect(rate).toBeLessThanOrEqual(rates.share);
    expect(
      registry.senders.get([...registry.senders.keys()].find((k) => k !== 'bulk')!),
    ).toMatchObject({
      kind: 'transactional',
    });
  });

  it('waits until bulk has been told when another transactional sender went live first', async () => {
    const registry = new MemorySenderRegistry();
    const p = pace(registry);
    await bulkLive(registry, p.clock.now());
    await registry.beat('other-drain', p.clock.now(), new Date(p.start + LIVE_MS), 'transactional');
    await p.send(1);
    expect(p.sent[0]).toBeGreaterThanOrEqual(TOLD_MS);
  });

  it('waits until bulk has been told when borrowing bulk leaves no room (14/s: 12 of 14)', async () => {
    const split14 = splitRate(14, { rateFraction: 0.8, workers: 1 });
    const paced = { share: split14.transactional, meanwhile: meanwhileRate(14, split14) };
    expect(paced).toEqual({ share: 2, meanwhile: 0 });
    const registry = new MemorySenderRegistry();
    const p = pace(registry, paced);
    await bulkLive(registry, p.clock.now());
    await p.send(3);
    expect(p.sent[0]).toBeGreaterThanOrEqual(TOLD_MS);
    expect(p.sent[2]! - p.sent[0]!).toBeLessThan(1_100); // then its whole 2/s
  });

  it('renews its registration at most every half beat, however many emails it sends', async () => {
    const registry = new MemorySenderRegistry();
    const beats: number[] = [];
    const beat = registry.beat.bind(registry);
    registry.beat = async (...args) => {
      beats.push(args[0] === 'bulk' ? -1 : args[1].getTime());
      return beat(...args);
    };
    const p = pace(registry);
    await p.send(9); // 3 seconds at 3 a second
    const gaps = beats.slice(1).map((at, i) => at - beats[i]!);
    expect(beats.length).toBeGreaterThanOrEqual(3);
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(BEAT_MS / 2);
  });

  it('sends nothing while it cannot register and its last registration has run out', async () => {
    const registry = new MemorySenderRegistry();
    registry.beat = async () => {
      throw new Error('DynamoDB unavailable');
    };
    await expect(pace(registry).send(1)).rejects.toBeInstanceOf(SendPaceUnavailable);
  });
});
