import type { ShardProgress } from '../issues/issue.js';
import type { DeliveryDeps } from './deps.js';

/**
 * A worker's hold on one shard. It is renewed at a third of its length while the shard is worked
 * (a beat in the background, so a slow SES call does not let it run out, and a check before each
 * claim), and it is lost for good once a renewal finds the shard moved on or taken: the worker
 * then claims nothing more in that shard and saves none of its counts.
 */
export class ShardLease {
  private until: number;
  private renewedAt: number;
  private lost = false;
  private quiet = false;
  private renewing?: Promise<void>;
  private readonly beat: ReturnType<typeof setInterval>;

  constructor(
    private readonly deps: Pick<DeliveryDeps, 'issues' | 'clock'>,
    private readonly owner: string,
    private readonly leaseMs: number,
    private progress: ShardProgress,
  ) {
    this.renewedAt = this.now();
    this.until = Date.parse(progress.leaseUntil ?? '') || this.renewedAt + leaseMs;
    this.beat = setInterval(() => void this.renewIfDue(), Math.max(25, leaseMs / 3));
    this.beat.unref?.();
  }

  private now = () => this.deps.clock.now().getTime();

  /** Before each claim: true while the lease is this worker's, renewing it first when it is due. */
  async held(): Promise<boolean> {
    await this.renewIfDue();
    return !this.lost && this.now() < this.until;
  }

  /**
   * Writes the shard (a page's progress, a release) with no renewal in flight, which would
   * otherwise read the new cursor as somebody else's. The written progress is the one to expect.
   */
  async write(progress: ShardProgress, save: (p: ShardProgress) => Promise<boolean>) {
    this.quiet = true;
    try {
      await this.renewing;
      const saved = await save(progress);
      if (!saved) this.lost = true;
      else {
        this.progress = progress;
        this.until = Date.parse(progress.leaseUntil ?? '') || 0;
        this.renewedAt = this.now();
      }
      return saved;
    } finally {
      this.quiet = false;
    }
  }

  async stop() {
    clearInterval(this.beat);
    this.quiet = true;
    await this.renewing;
  }

  private renewIfDue(): Promise<void> | undefined {
    if (this.lost || this.quiet) return undefined;
    if (this.renewing !== undefined) return this.renewing;
    if (this.now() - this.renewedAt < this.leaseMs / 3) return undefined;
    this.renewing = this.renew().finally(() => {
      this.renewing = undefined;
    });
    return this.renewing;
  }

  private async renew() {
    const at = this.now();
    const { issueId, shard, cursor } = this.progress;
    try {
      const held = await this.deps.issues.claimShard(
        issueId,
        shard,
        this.owner,
        new Date(at),
        new Date(at + this.leaseMs),
      );
      // Taken, finished, or moved past this page by another worker: not this worker's any more.
      if (!held || held.leaseOwner !== this.owner || held.cursor !== cursor) this.lost = true;
      else {
        this.until = at + this.leaseMs;
        this.renewedAt = at;
      }
    } catch {
      // The next beat tries again; until then the lease runs out on its own.
    }
  }
}
