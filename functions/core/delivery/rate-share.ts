import type { Clock } from '../clock.js';
import type { SenderRegistry } from './deps.js';
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

/** How often a sender renews itself and re-reads how many share the rate. */
export const BEAT_MS = 2_000;
/** A sender not renewed for this long is no longer counted: its share goes to the others. */
export const LIVE_MS = 3 * BEAT_MS;

type Timing = {
  clock: Clock;
  /** The pacer's sleep and clock (real ones when absent), as the worker's own pacer would have. */
  sleep?: (ms: number) => Promise<void>;
  monotonic?: () => number;
};
const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * This worker's share of the bulk rate: the rate divided by the senders live in the registry,
 * re-read at every beat, so one worker alone has all of it and two halve it.
 *
 * No second may hold more than the rate, so a worker that joins waits a beat and a half before
 * its first send: by then every other sender has beaten once and slowed to its new share. A
 * worker that leaves (or dies) only leaves the others slower than they could be until their next
 * beat (or its item's end). A worker that cannot beat for so long that the others may have counted
 * it gone holds its sends until a beat goes through.
 */
export class RateShare {
  readonly pacer: Pacer;
  private lastBeat: number;
  private readonly beat: ReturnType<typeof setInterval>;
  private beating?: Promise<void>;

  private constructor(
    private readonly registry: SenderRegistry,
    private readonly id: string,
    private readonly split: RateSplit,
    private readonly timing: Timing,
    senders: number,
  ) {
    this.lastBeat = this.now();
    this.pacer = new Pacer(this.shareFor(senders), timing.monotonic, timing.sleep);
    this.beat = setInterval(() => void this.renew(), BEAT_MS);
    this.beat.unref?.();
  }

  static async join(registry: SenderRegistry, id: string, split: RateSplit, timing: Timing) {
    const now = timing.clock.now();
    await registry.beat(id, now, new Date(now.getTime() + LIVE_MS));
    await (timing.sleep ?? realSleep)(BEAT_MS * 1.5);
    const at = timing.clock.now();
    const senders = await registry.beat(id, at, new Date(at.getTime() + LIVE_MS));
    return new RateShare(registry, id, split, timing, senders);
  }

  private now = () => this.timing.clock.now().getTime();
  private shareFor = (senders: number) =>
    shareOf(this.split.bulk, senders, this.split.transactional > 0);

  private renew() {
    this.beating ??= this.beatOnce().finally(() => {
      this.beating = undefined;
    });
    return this.beating;
  }

  private async beatOnce() {
    const at = this.now();
    try {
      const senders = await this.registry.beat(this.id, new Date(at), new Date(at + LIVE_MS));
      this.pacer.retune(this.shareFor(senders));
      this.lastBeat = at;
    } catch {
      // The others stop counting this worker once its item runs out: stop sending before that.
      if (this.now() - this.lastBeat >= LIVE_MS - BEAT_MS) this.pacer.holdFor(BEAT_MS);
    }
  }

  async leave() {
    clearInterval(this.beat);
    await this.beating;
    await this.registry.leave(this.id).catch(() => undefined); // its item runs out on its own
  }
}
