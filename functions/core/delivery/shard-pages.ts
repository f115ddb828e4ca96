import {
  addCounts,
  addSkips,
  processedOf,
  shardsOf,
  type Issue,
  type ShardProgress,
} from '../issues/issue.js';
import { abPage, variantsSent } from './ab-pages.js';
import { recipientShard, isPhaseTwoShard } from '../issues/ab-test.js';
import { countInSegment, inSegment } from './segment-filter.js';
import { Lanes } from './lanes.js';
import { ShardLease } from './lease.js';
import { PageLedger } from './page-ledger.js';
import { isHalt, Stop, type Halt, type WorkerRun } from './worker-run.js';

const PAGE_SIZE = 50;

/** A shard while this worker holds it: its progress as last saved, and the lease. */
type WorkedShard = { current: ShardProgress; lease: ShardLease };

/**
 * A shard's recipients, page by page, through the worker's lanes. A page's counts are saved with
 * its cursor in one write (a page redone after a crash is counted again from the ledger, never
 * twice); a page left mid-way saves who it settled, and hands the shard back.
 */
export class ShardPages {
  constructor(private readonly run: WorkerRun) {}

  /** Sends one shard page by page; false when the issue stopped sending. */
  async sendShard(issue: Issue, start: ShardProgress): Promise<boolean> {
    const shard: WorkedShard = {
      current: start,
      lease: new ShardLease(this.run.deps, this.run.id, this.run.leaseMs, start),
    };
    try {
      return await this.sendPages(issue, shard);
    } catch (error) {
      // Stopping for the quota or a paused account: hand the shard back for whoever resumes.
      if (error instanceof Stop && error.reason !== 'deadline')
        await shard.lease.write(this.released(shard.current), (p) => this.save(p));
      throw error;
    } finally {
      await shard.lease.stop();
    }
  }

  /**
   * The first issue each of these readers was ever sent, kept on their record for the segments'
   * "never opened" rule: one write per reader in their lifetime (the page's record says who has
   * none yet). After the page's sends are durable and outside them: a note that fails is made at
   * the reader's next send instead, so it does not stop this one.
   */
  private async noteFirstSends(ids: string[]) {
    const at = new Date(this.run.now());
    await Promise.all(
      ids.map((id) =>
        this.run.deps.subscribers.noteActivity(id, 'sent', at).catch(() => undefined),
      ),
    );
  }

  private save = (progress: ShardProgress) => this.run.deps.issues.saveShard(progress, this.run.id);
  private released = (progress: ShardProgress): ShardProgress => ({
    ...progress,
    leaseUntil: new Date(this.run.now() - 1).toISOString(),
  });

  private async sendPages(issue: Issue, shard: WorkedShard): Promise<boolean> {
    const editions = await this.run.editionsFor(issue);
    // Phase two of an A/B issue reads phase one's shards again: counted once, there.
    if (
      shard.current.total === undefined &&
      !shard.current.done &&
      !isPhaseTwoShard(shard.current.shard)
    )
      shard.current = { ...shard.current, total: await this.count(issue, shard.current.shard) };
    while (!shard.current.done) {
      const progress = shard.current;
      // A segment can empty page after page, with no reader to stop at: each page is a moment
      // to stop (the deadline, the lease, a pause), as each reader is on an ordinary page.
      if (issue.segment) {
        const halt = await this.run.mayClaim(issue, shard.lease);
        if (halt) return await this.leavePage(halt, shard, new PageLedger(this.run.deps, issue));
      }
      await this.run.sender.ensurePacing(issue);
      const page = await this.run.deps.subscribers.listRecipients({
        shard: recipientShard(progress.shard),
        shards: shardsOf(issue),
        topics: issue.audience.topics,
        frequencies: issue.audience.frequencies,
        cursor: progress.cursor,
        limit: PAGE_SIZE,
      });
      // An issue's segment filters the page here: readers outside it are neither sent nor counted.
      page.items = inSegment(this.run.deps, issue, page.items);
      // An A/B issue's page: this phase's readers only, each with its subject (ab-pages.ts).
      const ab = abPage(issue, progress.shard, page.items);
      page.items = ab.readers;
      const settled = new Set(progress.settled);
      const suppressed = await this.run.deps.suppressions.suppressedAmong(
        page.items.map((s) => s.email),
      );
      // Chosen (and rendered) before the page's first claim, so choosing adds no wait per recipient.
      const editionOf = ab.editions(await editions.forPage(page.items));
      const ledger = new PageLedger(this.run.deps, issue);
      let left = false;
      const leave = (halt: Halt) => {
        left = true;
        return this.leavePage(halt, shard, ledger);
      };
      const lanes = new Lanes<Halt>(this.run.deps.pacing.lanes ?? 1);
      const chains = Array.from({ length: this.run.deps.pacing.lanes ?? 1 }, () => ledger.lane());
      const stopping = () => lanes.stopping;
      const firstSends: string[] = [];
      try {
        // Readers counted when the page was left mid-way are not taken again.
        const readers = page.items.filter((s) => !settled.has(s.id));
        const halt = await lanes.run(
          readers,
          async (subscriber, lane) => {
            const halt = await this.run.mayClaim(issue, shard.lease);
            if (halt) return halt;
            const work = { page: ledger, lane: chains[lane]!, lease: shard.lease, stopping };
            const outcome = suppressed.has(subscriber.email)
              ? 'suppressed'
              : await this.run.sender.deliverEdition(
                  issue,
                  editionOf(subscriber),
                  subscriber,
                  work,
                );
            if (isHalt(outcome)) return outcome;
            if (outcome !== 'unresolved') ledger.count(outcome, subscriber.id);
            if (outcome === 'sent' && !subscriber.firstSentAt) firstSends.push(subscriber.id);
            this.run.sender.tally(outcome);
            return undefined;
          },
          // A drained lane's last send has no later claim of its own to carry its receipt: mark it.
          () => ledger.flush(),
        );
        if (halt) return await leave(halt);
        await ledger.settle();
        await ledger.flush();
        await this.noteFirstSends(firstSends);
      } catch (error) {
        // Quota or a paused account: what the page did so far is saved with the shard (once).
        if (error instanceof Stop) {
          if (!left) await leave('stopped');
        } else {
          // DynamoDB failing under us: record what SES accepted if it still can, then give up the run.
          await ledger.flush().catch(() => undefined);
        }
        throw error;
      }
      // A page's counts are saved with its cursor in one write: a page that is redone after a
      // crash is counted again from the ledger, never twice.
      const next = this.withPage(progress, ledger, {
        cursor: page.cursor,
        done: !page.cursor,
        settled: undefined,
        leaseUntil: new Date(this.run.now() + this.run.leaseMs).toISOString(),
      });
      if (!(await shard.lease.write(next, this.save))) return true; // lease lost: someone else has it now
      this.run.processed += processedOf(ledger.outcome().counts);
      // Once per page, not per recipient: the send loop is the hot path.
      this.run.deps.metrics?.count('send', ledger.outcome().counts);
      shard.current = next;
      this.run.options.onPage?.();
    }
    return true;
  }

  /**
   * The shard's recipients, counted here and not when an editor starts the send: a Query per
   * shard in parallel across the fleet, off the request. Saved with the first page's progress;
   * a worker that dies before that counts again.
   */
  private count(issue: Issue, shard: number) {
    const query = {
      shard: recipientShard(shard),
      shards: shardsOf(issue),
      topics: issue.audience.topics,
      frequencies: issue.audience.frequencies,
    };
    return issue.segment
      ? countInSegment(this.run.deps, issue, query, () => this.run.outOfTime())
      : this.run.deps.subscribers.countRecipients(query);
  }

  /** The shard's progress with a page's outcome (whole, or as far as it got) added. */
  private withPage(
    progress: ShardProgress,
    ledger: PageLedger,
    change: Partial<ShardProgress>,
  ): ShardProgress {
    const { counts, ambiguous, failures, skips, why, sentReaders } = ledger.outcome();
    return {
      ...progress,
      ...variantsSent(ledger.issue, progress, sentReaders),
      counts: addCounts(progress.counts, counts),
      ...(Object.keys(skips).length > 0 && { skips: addSkips(progress.skips, skips) }),
      ...(Object.keys(why).length > 0 && { ambiguousWhy: { ...progress.ambiguousWhy, ...why } }),
      ambiguous: [...progress.ambiguous, ...ambiguous],
      failures: [...progress.failures, ...failures].slice(-100),
      ...change,
    };
  }

  /**
   * Leaves a page unfinished. Its sends are marked; unless the lease was lost (the new holder
   * counts them from the ledger), its counts so far are saved with the cursor where it is and
   * the settled readers listed, and the lease is handed back. False when the issue stopped.
   */
  private async leavePage(halt: Halt, shard: WorkedShard, ledger: PageLedger): Promise<boolean> {
    await ledger.flush();
    if (halt === 'lease_lost') return true;
    const progress = shard.current;
    const { settled } = ledger.outcome();
    const left = this.withPage(progress, ledger, {
      settled: [...(progress.settled ?? []), ...settled],
      leaseUntil: new Date(this.run.now() - 1).toISOString(),
    });
    if (await shard.lease.write(left, this.save)) {
      this.run.processed += processedOf(ledger.outcome().counts);
      this.run.deps.metrics?.count('send', ledger.outcome().counts);
      shard.current = left;
    }
    if (halt === 'deadline') throw new Stop('deadline');
    return halt !== 'stopped';
  }
}
