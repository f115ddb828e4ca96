/**
 * Spaces sends evenly at a rate, so no one-second window ever holds more than `rate` messages
 * (SES counts per second, and what exceeds MaxSendRate is refused). Evenly spaced rather than
 * bursty: a burst of `rate` at the start of each second could straddle two of SES's windows.
 */
const JITTER_MARGIN = 0.01;

export class Pacer {
  private next = 0;
  /** A rate that lapses: from `at` (this pacer's clock) on, slots are spaced at `rate` instead. */
  private lapse?: { at: number; rate: number };
  /** The turn of the latest caller: a worker's lanes share one pacer and take slots one at a time. */
  private turn: Promise<void> = Promise.resolve();

  constructor(
    private rate: number,
    private readonly now: () => number = () => performance.now(),
    private readonly sleep: (ms: number) => Promise<void> = sleepPrecisely,
  ) {
    if (!(rate > 0)) throw new Error(`send rate must be positive, got ${rate}`);
  }

  /**
   * A hair longer than 1000 / rate: a send leaves a little after its slot (a GC pause, the MIME
   * being composed), and one that leaves late followed by one on time would squeeze their gap.
   * 1 % tolerates 10 ms of such jitter in any second and costs 1 % of the rate.
   */
  get interval() {
    if (this.lapse && this.now() >= this.lapse.at) {
      this.rate = this.lapse.rate;
      this.lapse = undefined;
    }
    return (1000 / this.rate) * (1 + JITTER_MARGIN);
  }

  /**
   * Resolves when the next message may go. Callers are served in turn, each once the slot before
   * has gone: two lanes that asked together must not both be given the same slot.
   */
  take(): Promise<void> {
    const mine = this.turn.then(() => this.wait());
    this.turn = mine.catch(() => undefined);
    return mine;
  }

  /**
   * A new rate from the next slot on (the worker's share changed as others joined or left).
   * With `until`, the rate holds only until `until.at` (this pacer's clock): every gap that
   * starts from then on is spaced at `until.rate`, asked at each slot, so no late timer can
   * stretch a borrowed rate past its end.
   */
  retune(rate: number, until?: { at: number; rate: number }) {
    for (const r of [rate, until?.rate ?? rate])
      if (!(r > 0)) throw new Error(`send rate must be positive, got ${r}`);
    this.rate = rate;
    this.lapse = until;
  }

  /** This pacer's clock, for a caller that sets a rate's end (`retune`'s `until.at`). */
  clock(): number {
    return this.now();
  }

  /**
   * SES said slow down (or could not be reached): no slot for anyone before `ms` from now. The
   * whole worker backs off, not only the lane that was told, since SES counts the account.
   */
  holdFor(ms: number) {
    this.next = Math.max(this.next, this.now() + ms);
  }

  /**
   * The next slot is counted from when this one actually went, not when it was due: a timer that
   * fires late must not let the following sends bunch up (rate + 1 in one second, which SES
   * would refuse).
   */
  private async wait(): Promise<void> {
    let now = this.now();
    if (now < this.next) {
      await this.sleep(this.next - now);
      // Never before the slot, whatever the sleep did (a timer's delay is truncated to whole ms).
      for (now = this.now(); now < this.next; now = this.now())
        await this.sleep(Math.max(1, Math.ceil(this.next - now)));
    }
    this.next = Math.max(this.now(), this.next) + this.interval;
  }
}

/**
 * A timer alone is a millisecond off either way (Node truncates the delay to whole ms, libuv
 * measures from a cached clock), which at 200/s is a fifth of the interval: early breaks the
 * one-second window, late is rate lost for good. So: a timer for the bulk of the wait, then
 * yielding to the event loop (I/O keeps flowing) until the moment itself.
 */
export async function sleepPrecisely(ms: number): Promise<void> {
  const until = performance.now() + ms;
  if (ms > 2) await new Promise((resolve) => setTimeout(resolve, Math.floor(ms - 1.5)));
  while (performance.now() < until) await new Promise((resolve) => setImmediate(resolve));
}
