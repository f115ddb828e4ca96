/**
 * A page's readers worked by several lanes at once, so a worker has several sends in flight
 * while SES answers. Each free lane takes the next reader in the page's order: every lane
 * therefore meets its readers in increasing id order, the ledger's own, which is what lets a
 * lane's later claim vouch for its earlier send (`PageLedger`).
 *
 * The first lane to halt (or throw) stops the others from taking anyone new; each finishes the
 * reader it holds, and only then is the halt returned (or the error thrown), so whoever leaves
 * the page does so once, with nothing in flight.
 */
export class Lanes<H> {
  private halt?: H;
  private failure?: { error: unknown };

  constructor(private readonly count: number) {
    if (!(Number.isInteger(count) && count >= 1))
      throw new Error(`lanes must be ≥ 1, got ${count}`);
  }

  /** True once some lane halted or failed: a lane holding a claim should give it back, not send. */
  get stopping() {
    return this.halt !== undefined || this.failure !== undefined;
  }

  /**
   * Runs `work` on every item, `count` at a time. `work` returns a halt to stop every lane.
   * `drained` runs in each lane that found nothing left to take (its last send has no later
   * claim of its own to carry its receipt).
   */
  async run<T>(
    items: readonly T[],
    work: (item: T, lane: number) => Promise<H | undefined>,
    drained: () => Promise<void>,
  ): Promise<H | undefined> {
    const queue = items[Symbol.iterator]();
    const lane = async (index: number) => {
      for (;;) {
        if (this.stopping) return;
        const next = queue.next();
        if (next.done) return drained();
        const halt = await work(next.value, index);
        if (halt !== undefined) this.halt ??= halt;
      }
    };
    const lanes = Array.from({ length: Math.min(this.count, Math.max(1, items.length)) }, (_, i) =>
      lane(i).catch((error: unknown) => {
        this.failure ??= { error };
      }),
    );
    await Promise.all(lanes);
    if (this.failure) throw this.failure.error;
    return this.halt;
  }
}
