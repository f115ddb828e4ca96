/**
 * Spaces sends evenly at a rate, so no one-second window ever holds more than `rate` messages
 * (SES counts per second, and what exceeds MaxSendRate is refused). Evenly spaced rather than
 * bursty: a burst of `rate` at the start of each second could straddle two of SES's windows.
 */
const JITTER_MARGIN = 0.01;
/**
 * The window no more than the rate may fall in: a second, and half the margin for jitter. Evenly
 * spaced sends span the whole margin (rate sends in 1,010 ms), so the window holds them back only
 * while they make up a late slot, and never below the rate: making up spends at most half the
 * margin that the spacing keeps.
 */
const WINDOW_MS = 1000 * (1 + JITTER_MARGIN / 2);
/**
 * How much of a late slot's time the next sends make up. A slot leaves late (a timer's turn, a
 * lane composing its MIME, a GC pause), and at 500/s a slot is 2 ms: a tenth of a millisecond
 * lost at each was 5 % of the rate. So slots follow their schedule, not the last departure, and
 * the window (`windowOpensAt`) keeps the catching up within the rate. A stall longer than this
 * is rate lost, not a burst to follow it.
 */
const CATCH_UP_MS = 50;

export class Pacer {
  private next = 0;
  /** When the latest sends went, oldest first: only those inside the window are kept. */
  private recent: number[] = [];
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
    return (1000 / this.currentRate()) * (1 + JITTER_MARGIN);
  }

  /** The rate now: a rate set to lapse gives way to the next one once its time has come. */
  private currentRate(): number {
    if (this.lapse && this.now() >= this.lapse.at) {
      this.rate = this.lapse.rate;
      this.lapse = undefined;
    }
    return this.rate;
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
   * A slot is due on its schedule (`next`) and once the window allows it. The schedule moves on
   * from when the slot was due, so a late one is made up by the ones after it (at most
   * CATCH_UP_MS of it); the window is counted from when sends actually went, so making up never
   * puts more than the rate in any second (which SES would refuse), however late a timer fires.
   */
  private async wait(): Promise<void> {
    let due = Math.max(this.next, this.windowOpensAt());
    let now = this.now();
    if (now < due) {
      await this.sleep(due - now);
      // Never before the slot, whatever the sleep did (a timer's delay is truncated to whole ms).
      for (now = this.now(); now < due; now = this.now()) {
        await this.sleep(Math.max(1, Math.ceil(due - now)));
        due = Math.max(this.next, this.windowOpensAt());
      }
    }
    this.recent.push(now);
    // The gap after this slot at the rate of this slot's moment (a lapse may have passed meanwhile).
    this.next = Math.max(this.next, now - CATCH_UP_MS) + this.interval;
  }

  /**
   * The earliest moment a send keeps every window within the rate: `rate` sends (rounded up, as
   * evenly spaced sends at a fractional rate also fall) and no more in any WINDOW_MS.
   */
  private windowOpensAt(): number {
    const since = this.now() - WINDOW_MS;
    let drop = 0;
    while (drop < this.recent.length && this.recent[drop]! <= since) drop++;
    if (drop > 0) this.recent.splice(0, drop);
    const cap = Math.max(1, Math.ceil(this.currentRate()));
    return this.recent.length >= cap ? this.recent[this.recent.length - cap]! + WINDOW_MS : 0;
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
