/**
 * Spaces sends evenly at a rate, so no one-second window ever holds more than `rate` messages
 * (SES counts per second, and what exceeds MaxSendRate is refused). Evenly spaced rather than
 * bursty: a burst of `rate` at the start of each second could straddle two of SES's windows.
 */
export class Pacer {
  private next = 0;

  constructor(
    private readonly rate: number,
    private readonly now: () => number = () => performance.now(),
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {
    if (!(rate > 0)) throw new Error(`send rate must be positive, got ${rate}`);
  }

  get interval() {
    return 1000 / this.rate;
  }

  /**
   * Resolves when the next message may go. The next slot is counted from when this one actually
   * went, not when it was due: a timer that fires late must not let the following sends bunch up
   * (rate + 1 in one second, which SES would refuse).
   */
  async take(): Promise<void> {
    // Wait until the slot has really come: Node truncates a timer's delay to whole milliseconds
    // (4.7 ms becomes 4), so one sleep can end just before it.
    for (let now = this.now(); now < this.next; now = this.now()) await this.sleep(Math.max(1, Math.ceil(this.next - now)));
    this.next = Math.max(this.now(), this.next) + this.interval;
  }
}
