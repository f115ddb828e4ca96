import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { LiveSenders, SenderRegistry } from './deps.js';
import type { Pacer } from './pacer.js';
import type { RateSplit } from './rate-budget.js';
import { BEAT_MS, LIVE_MS, RESUME_MARGIN_MS, TOLD_MS } from './rate-share.js';

/**
 * A transactional send goes only while this process's item stays live a window and a little
 * more: a bulk sender borrows again only after a beat that began once the item had run out, so no
 * one-second window can hold both that send and borrowed bulk sends.
 */
const SEND_MARGIN_MS = 1_000 + 250;

/** The sender registry could not be written, and bulk senders may no longer count this one. */
export class SendPaceUnavailable extends Error {
  override readonly name = 'SendPaceUnavailable';
}

/**
 * What transactional mail may send while bulk senders may still be borrowing its share: what
 * their borrowed rate (at most ⌈SEND_RATE_FRACTION × MaxSendRate⌉ in any window) leaves of
 * MaxSendRate, less a slot for each side's arrival jitter (a send reaches SES some ms after its
 * slot, so a window there can hold one more of a pacer's than it let go). Nothing (≤ 0) when
 * that leaves no room: 14/s at the defaults (12 borrowed of 14), where the drain waits instead.
 */
export function meanwhileRate(maxSendRate: number, split: RateSplit): number {
  return Math.min(split.transactional, Math.floor(maxSendRate) - Math.ceil(split.total) - 2);
}

/**
 * This process's transactional sends (the outbox's drains) as one sender in the registry, and
 * their pace. Bulk senders borrow transactional mail's share while no transactional sender is
 * live (rate-share.ts); this one goes live before its first send and stays live while it sends
 * (renewed at most every half beat, live LIVE_MS after), so they give the share back.
 *
 * Why a send that starts while bulk borrows never puts a second over MaxSendRate: a bulk sender
 * keeps a borrowed rate only BORROW_MS past the beat that found no transactional sender, and any
 * beat after this item was written finds it; so TOLD_MS after the write every bulk sender is at
 * its own share, and the two add up to no more than the service's rate. Until then this one
 * sends at `meanwhile`, within what borrowing bulk leaves of MaxSendRate (meanwhileRate: all of
 * its share at 100/s, nothing at 14/s), or not at all where nothing is left. Only one
 * that found itself the one transactional sender live does so: of two that go live at once at
 * least one counts the other (each writes before it counts), and that one waits, so the room
 * is used once.
 * With no bulk sender live it sends its whole share at once: any bulk sender that joins later
 * counts it before its first send.
 */
export class TransactionalPace {
  private readonly id = `transactional-${randomUUID()}`;
  /** When this item runs out, as last written (this process's clock). */
  private liveUntil = Number.NEGATIVE_INFINITY;
  private renewedAt = Number.NEGATIVE_INFINITY;
  /** From when every bulk sender is surely at its own share: the whole transactional rate. */
  private toldAt = Number.POSITIVE_INFINITY;
  /** Went live the only transactional sender: it may send at `meanwhile` before `toldAt`. */
  private alone = false;
  private renewal?: Promise<void>;

  constructor(
    private readonly pacer: Pacer,
    private readonly rates: { share: number; meanwhile: number },
    private readonly registry: SenderRegistry,
    private readonly clock: Clock,
    private readonly sleep: (ms: number) => Promise<void> = (ms) =>
      new Promise((r) => setTimeout(r, ms)),
  ) {}

  private now = () => this.clock.now().getTime();

  /** Resolves when the next transactional email may go; throws SendPaceUnavailable (nothing was sent). */
  async take(): Promise<void> {
    for (;;) {
      await this.renew();
      const now = this.now();
      if (now >= this.toldAt) this.pacer.retune(this.rates.share);
      else if (this.alone && this.rates.meanwhile > 0)
        this.pacer.retune(this.rates.meanwhile, {
          at: this.pacer.clock() + (this.toldAt - now),
          rate: this.rates.share,
        });
      else {
        await this.sleep(this.toldAt - now);
        continue;
      }
      await this.pacer.take();
      if (this.now() < this.liveUntil - SEND_MARGIN_MS) return;
      // The slot came so late that the item may run out first: renewed, then a slot again.
    }
  }

  private async renew() {
    if (this.now() - this.renewedAt < BEAT_MS / 2) return;
    this.renewal ??= this.renewOnce().finally(() => {
      this.renewal = undefined;
    });
    await this.renewal;
  }

  private async renewOnce() {
    const at = this.now();
    let live: LiveSenders;
    try {
      live = await this.registry.beat(
        this.id,
        new Date(at),
        new Date(at + LIVE_MS),
        'transactional',
      );
    } catch (error) {
      // Still live from the last renewal: sends go on until it nears its end; tried again in half a beat.
      if (at < this.liveUntil - SEND_MARGIN_MS) {
        this.renewedAt = at;
        return;
      }
      throw new SendPaceUnavailable(
        'could not register transactional mail in the sender registry',
        {
          cause: error,
        },
      );
    }
    // Went live again (its item had run out, or never was): a bulk sender may be borrowing.
    if (this.now() > this.liveUntil - RESUME_MARGIN_MS) {
      this.toldAt = live.bulk === 0 ? this.now() : this.now() + TOLD_MS;
      this.alone = live.transactional <= 1;
    }
    this.renewedAt = at;
    this.liveUntil = at + LIVE_MS;
  }
}
