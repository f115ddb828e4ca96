import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { LiveSenders, SenderRegistry } from './deps.js';
import { Pacer } from './pacer.js';
import type { RateSplit } from './rate-budget.js';

/**
 * One sender's share of the bulk rate among `senders`. A pacer at r a second can put ⌈r⌉ sends
 * in some one-second window (5.3/s spaced evenly fits 6), so senders that share the account's
 * rate (with each other, or with the transactional drains: `alongside`) each keep to a whole
 * number: their windows then add up to no more than the rate. Only a sender alone keeps it all.
 */
export function shareOf(bulk: number, senders: number, alongside = false): number {
  const share = bulk / Math.max(1, senders);
  return (senders <= 1 && !alongside) || share < 1 ? share : Math.floor(share);
}

/** Bulk may borrow transactional mail's share while no transactional sender is live. */
const borrows = (split: RateSplit, live: LiveSenders) =>
  split.transactional > 0 && live.transactional === 0;

/**
 * A bulk sender's pace for who is live: its share of the bulk part while a transactional sender
 * is live, of the whole service rate while none is (bulk borrows what transactional mail leaves
 * unused).
 */
export function bulkShareOf(split: RateSplit, live: LiveSenders): number {
  if (borrows(split, live)) return shareOf(split.total, live.bulk);
  return shareOf(split.bulk, live.bulk, split.transactional > 0);
}

/** How often a sender renews itself and re-reads who shares the rate. */
export const BEAT_MS = 2_000;
/** A sender not renewed for this long is no longer counted: its share goes to the others. */
export const LIVE_MS = 3 * BEAT_MS;
/** How long a beat may take to be answered before its sender slows as if someone had joined. */
export const ANSWER_MS = 1_000;
/**
 * How long a joining sender waits after its first beat before its first send: every other
 * sender's next beat begins within BEAT_MS (timed from the beats' starts) and is answered within
 * ANSWER_MS, or that sender slows as if someone had joined (`assumeJoiner`); the sends it made
 * at its old share must then leave the one-second window (250 ms more for their arrival jitter).
 * A beat and a half (3 s) counted only the beat: a sender told late on a loaded machine still had
 * a second of its old rate in the window its new neighbour's first sends fell in (CI saw 18 in a
 * second against 16).
 */
export const JOIN_MS = BEAT_MS + ANSWER_MS + 1_000 + 250;
/**
 * How long a bulk sender keeps a borrowed rate after the beat that found no transactional sender
 * began: a healthy sender's next beat (2 s later, answered within 1 s) renews it, one whose beats
 * fail or lag falls back to its own share by itself.
 */
export const BORROW_MS = 1.5 * BEAT_MS;
/**
 * How long after a transactional sender's item is written every bulk sender is surely at its own
 * share again, whole one-second windows included: a beat that began before the write ends its
 * borrowing BORROW_MS later (every gap from then on at the lower rate), and any beat after the
 * write sees it. A second more, so no window holds borrowed bulk sends and the full transactional
 * rate; 250 ms for the arrival jitter of the last borrowed sends (transactional-presence.ts).
 */
export const TOLD_MS = BORROW_MS + 1_000 + 250;
/**
 * A registration counts as live all along only if its renewal lands this long before its item
 * runs out: the others read its end against their own clocks.
 */
export const RESUME_MARGIN_MS = 1_000;

type Timing = {
  clock: Clock;
  /** The pacer's sleep and clock (real ones when absent), as the worker's own pacer would have. */
  sleep?: (ms: number) => Promise<void>;
  monotonic?: () => number;
};
const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Registrations of this process not in use, by registry: a warm container's runs take them again. */
const idle = new WeakMap<SenderRegistry, RateShare[]>();

/**
 * This sender's share of the bulk rate: the rate divided by the bulk senders live in the
 * registry, re-read at every beat, so one sender alone has all of it and two halve it. While no
 * transactional sender is live, the bulk part is the whole service rate, borrowed only until
 * BORROW_MS after the beat that found none began (a transactional sender that starts sending
 * waits TOLD_MS, or sends within what is left: transactional-presence.ts).
 *
 * No second may hold more than the rate, so a sender that joins waits JOIN_MS before its first
 * send: by then every other sender has beaten once, slowed to its new share, and its sends at the
 * old one have left the one-second window. A
 * sender that leaves (or dies) only leaves the others slower than they could be until their next
 * beat after its item's end. A sender that cannot beat for so long that the others may have
 * counted it gone holds its sends until a beat goes through.
 *
 * A registration outlives the run that made it: released, it stops beating, and the next run in
 * the same process (a warm Lambda container's next invocation) takes it again without the wait,
 * as long as its item has not run out, since every other sender has counted it all along. One
 * not taken again runs out LIVE_MS after its last beat, as a dead sender's would.
 */
export class RateShare {
  readonly pacer: Pacer;
  /** When this sender's item runs out, as last written (this process's clock). */
  private liveUntil = Number.NEGATIVE_INFINITY;
  private lastBeat = Number.NEGATIVE_INFINITY;
  private lastLive: LiveSenders = { bulk: 1, transactional: 0 };
  private beat?: ReturnType<typeof setInterval>;
  private beating?: Promise<void>;

  private constructor(
    private readonly registry: SenderRegistry,
    readonly id: string,
    private split: RateSplit,
    private readonly timing: Timing,
  ) {
    // The real rate is set by the first beat, before any send.
    this.pacer = new Pacer(split.total, timing.monotonic, timing.sleep);
  }

  /**
   * A registration for one run: one this process released whose item is still live, at once;
   * otherwise a new one, after the join's wait. Give it back with `release`.
   */
  static async acquire(registry: SenderRegistry, split: RateSplit, timing: Timing) {
    const share = idle.get(registry)?.pop() ?? new RateShare(registry, randomUUID(), split, timing);
    share.split = split;
    await share.start();
    return share;
  }

  private now = () => this.timing.clock.now().getTime();

  private async start() {
    const before = this.liveUntil;
    let at = this.now();
    let live = await this.registry.beat(this.id, new Date(at), new Date(at + LIVE_MS));
    // New, or renewed so late that the others may have counted it gone and taken its share.
    if (this.now() > before - RESUME_MARGIN_MS) {
      await (this.timing.sleep ?? realSleep)(JOIN_MS);
      at = this.now();
      live = await this.registry.beat(this.id, new Date(at), new Date(at + LIVE_MS));
    }
    this.apply(live, at);
    // The next beat BEAT_MS after this one began, not after it was answered: a joiner's wait
    // (JOIN_MS) counts on every sender beating within BEAT_MS of any moment.
    this.beat = setTimeout(
      () => {
        void this.renew();
        this.beat = setInterval(() => void this.renew(), BEAT_MS);
        this.beat.unref?.();
      },
      Math.max(0, at + BEAT_MS - this.now()),
    );
    this.beat.unref?.();
  }

  /** The pace for who is live, as of the beat that began at `at`; a borrowed rate ends on its own. */
  private apply(live: LiveSenders, at: number) {
    this.lastBeat = at;
    this.lastLive = live;
    this.liveUntil = at + LIVE_MS;
    const own = shareOf(this.split.bulk, live.bulk, this.split.transactional > 0);
    if (!borrows(this.split, live)) return this.pacer.retune(own);
    const end = this.pacer.clock() + (at + BORROW_MS - this.now());
    this.pacer.retune(bulkShareOf(this.split, live), { at: end, rate: own });
  }

  private renew() {
    this.beating ??= this.beatOnce().finally(() => {
      this.beating = undefined;
    });
    return this.beating;
  }

  private async beatOnce() {
    const at = this.now();
    // A joiner counts on being seen by a beat answered within ANSWER_MS: one that fails, or is
    // not answered by then, may have missed it, so the pace is the one for a sender more.
    const slow = setTimeout(() => this.assumeJoiner(), ANSWER_MS);
    slow.unref?.();
    try {
      this.apply(await this.registry.beat(this.id, new Date(at), new Date(at + LIVE_MS)), at);
    } catch {
      this.assumeJoiner();
      // The others stop counting this sender once its item runs out: stop sending before that.
      if (this.now() - this.lastBeat >= LIVE_MS - BEAT_MS) this.pacer.holdFor(BEAT_MS);
    } finally {
      clearTimeout(slow);
    }
  }

  /** Until a beat gets through: the share as if one more bulk sender had joined, not borrowing. */
  private assumeJoiner() {
    const senders = this.lastLive.bulk + 1;
    this.pacer.retune(shareOf(this.split.bulk, senders, this.split.transactional > 0));
  }

  /**
   * The run is over: stops beating and keeps the registration for the next run in this process.
   * Its item stays live until it runs out, so the others' shares grow back within LIVE_MS and a
   * beat unless a run takes it again first.
   */
  async release() {
    clearInterval(this.beat);
    await this.beating;
    let pool = idle.get(this.registry);
    if (!pool) idle.set(this.registry, (pool = []));
    pool.push(this);
  }
}
