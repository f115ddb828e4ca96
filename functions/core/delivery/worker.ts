import { randomUUID } from 'node:crypto';
import type { Article } from '../content/article.js';
import { DomainError, ErrorCodes } from '../errors.js';
import { Editions } from '../issues/digest-editions.js';
import { pauseIssue, transitionIssue } from '../issues/manage-issues.js';
import { ArticleTooLargeToKeep, MAX_SNAPSHOT_ITEM_BYTES } from '../issues/snapshot-limits.js';
import { pauseHeld } from '../issues/reputation-pause.js';
import { phaseShards } from '../issues/ab-test.js';
import { finishAbPhase } from './ab-phases.js';
import { audienceTotal, shardsOf, type Issue, type IssueState } from '../issues/issue.js';
import type { DeliveryDeps } from './deps.js';
import { RecipientSender } from './recipient-sender.js';
import { ReleasedReaders } from './released-readers.js';
import { ShardPages } from './shard-pages.js';
import { Stop, type Halt, type Hold, type StopReason, type WorkerRun } from './worker-run.js';

/** A worker that stops renewing its lease for this long is presumed dead; the shard is free again. */
export const SHARD_LEASE_MS = 2 * 60 * 1000;
/** Stop taking recipients this long before the deadline: room for one SES call and the ledger mark. */
export const DEADLINE_MARGIN_MS = 5_000;
/**
 * How old a worker's knowledge of an issue's state may grow before it is read again: a pause or
 * a cancel stops every send within about this (and within a second, the promise, at any size).
 */
const STATE_REREAD_MS = 500;

export type WorkerOptions = {
  workerId?: string;
  /** When to stop (epoch ms); the Lambda's timeout less a margin. Unbounded when absent. */
  deadline?: number;
  /** Work on this issue only, and wait for shards other workers hold until it is finished. */
  issueId?: string;
  /** With `issueId`: a fleet message's shard, worked first; then every other free shard, once. */
  shard?: number;
  /** Called after each page, to show progress. */
  onPage?: () => void;
};

export type WorkerResult = {
  stoppedBecause: StopReason;
  /** Recipients this worker settled (any outcome). */
  processed: number;
  sent: number;
};

/**
 * One worker: takes shards of issues that are sending, one at a time, and sends their recipients
 * in order through `lanes` sends in flight at once, sharing one pace (so a worker killed at any
 * moment leaves at most one recipient per lane whose outcome is unknown). Several workers run
 * side by side on different shards.
 */
export async function runWorker(
  deps: DeliveryDeps,
  options: WorkerOptions = {},
): Promise<WorkerResult> {
  const worker = new Worker(deps, options);
  try {
    return await worker.run();
  } catch (error) {
    if (error instanceof Stop) return worker.result(error.reason);
    throw error;
  } finally {
    await worker.sender.close();
  }
}

/**
 * The run loop and what every part of it asks (the issue's state, the lease, the rendered
 * issue); a shard's pages (`ShardPages`), released readers (`ReleasedReaders`) and one
 * recipient's send (`RecipientSender`) are their own modules, sharing this run.
 */
class Worker implements WorkerRun {
  readonly id: string;
  readonly sender: RecipientSender;
  processed = 0;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly pages: ShardPages;
  private readonly released: ReleasedReaders;
  private readonly rendered = new Map<string, Editions>();
  /** What this worker last read of each issue's state, and when that read began. */
  private readonly knowledge = new Map<string, { state?: IssueState; at: number }>();
  /** A read of an issue's state under way: lanes asking at once share it. */
  private readonly reading = new Map<string, Promise<boolean>>();

  constructor(
    readonly deps: DeliveryDeps,
    readonly options: WorkerOptions,
  ) {
    this.id = options.workerId ?? randomUUID();
    this.sleep = deps.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.sender = new RecipientSender(this);
    this.pages = new ShardPages(this);
    this.released = new ReleasedReaders(this);
  }

  result(stoppedBecause: StopReason): WorkerResult {
    return { stoppedBecause, processed: this.processed, sent: this.sender.sent };
  }

  now() {
    return this.deps.clock.now().getTime();
  }
  get leaseMs() {
    return this.deps.pacing.leaseMs ?? SHARD_LEASE_MS;
  }
  outOfTime() {
    const { deadline } = this.options;
    return deadline !== undefined && this.now() >= deadline - DEADLINE_MARGIN_MS;
  }

  async run(): Promise<WorkerResult> {
    for (;;) {
      if (this.outOfTime()) return this.result('deadline');
      const issues = this.options.issueId
        ? [await this.deps.issues.get(this.options.issueId)].filter(
            (i): i is Issue => i !== undefined,
          )
        : await this.deps.issues.listByState('sending');
      const sending = issues.filter((i) => i.state === 'sending');
      if (sending.length === 0) {
        if (!this.options.issueId) return this.result('idle');
        return this.result(issues[0]?.state === 'sent' ? 'issue_finished' : 'issue_stopped');
      }
      let worked = false;
      for (const issue of sending) worked = (await this.workOn(issue)) || worked;
      if (this.options.shard !== undefined) return this.result('idle'); // one pass, then done
      if (!worked) {
        // Every open shard is someone else's: alone on one issue, wait for them (or their leases).
        if (!this.options.issueId) return this.result('idle');
        await this.sleep(1_000);
      }
    }
  }

  /** Works every shard of the issue it can claim; true if it did any work. */
  private async workOn(issue: Issue): Promise<boolean> {
    let worked = false;
    // An A/B issue's second phase sends in shards of its own (ab-test.ts); any other, 0..n-1.
    const phase = phaseShards(issue, shardsOf(issue));
    const shards = phase.length;
    // A message for a shard past this issue's count (one started before the split into 32), or
    // of an A/B phase the issue is not in.
    if (this.options.shard !== undefined && !phase.includes(this.options.shard)) return false;
    // A fleet message's shard first, then whatever else of the issue is free: one sender (and one
    // join of the account's pace) carries a small issue alone, and N share a large one.
    const offset =
      this.options.shard !== undefined
        ? phase.indexOf(this.options.shard)
        : Math.floor(Math.random() * shards);
    for (let i = 0; i < shards; i++) {
      if (this.outOfTime()) throw new Stop('deadline');
      if (!(await this.stillSending(issue))) return true;
      const shard = phase[(offset + i) % shards]!;
      const now = this.deps.clock.now();
      const claimed = await this.deps.issues.claimShard(
        issue.id,
        shard,
        this.id,
        now,
        new Date(now.getTime() + this.leaseMs),
      );
      if (!claimed) continue;
      worked = true;
      const stillSending = await this.pages.sendShard(issue, claimed);
      if (!stillSending) return true;
    }
    worked = (await this.released.resendReleased(issue)) || worked;
    await this.finishIfDone(issue);
    return worked;
  }

  private async finishIfDone(issue: Issue) {
    const shards = await this.deps.issues.shards(issue.id);
    // An A/B issue's sample done: it waits for its winner instead (ab-test.ts).
    if (issue.abTest) return finishAbPhase(this.deps, issue, shards);
    if (shards.length === shardsOf(issue) && shards.every((s) => s.done)) {
      // The shards' own counts are all known now: the issue keeps the exact figure from here on.
      const exact = (current: Issue) => {
        const { total, exact } = audienceTotal(current, shards);
        return exact ? { total, totalEstimated: undefined } : {};
      };
      await transitionIssue(this.deps, issue.id, 'finish', exact).catch((error) => {
        // Paused or cancelled at the last moment: that state stands.
        if (!(error instanceof DomainError && error.code === ErrorCodes.conflict)) throw error;
      });
    }
  }

  /**
   * Whether the issue is still sending, by this worker's knowledge of it: one timestamp per
   * issue, re-read once it is STATE_REREAD_MS old. Asked before every claim and every send, so
   * no send starts on knowledge much older than that, whatever the issue's size or shard.
   */
  async stillSending(issue: Issue): Promise<boolean> {
    const known = this.knowledge.get(issue.id);
    if (known && this.now() - known.at < STATE_REREAD_MS) return known.state === 'sending';
    const pending = this.reading.get(issue.id);
    if (pending !== undefined) return pending;
    const at = this.now(); // the state is at least as new as the moment the read began
    const read = Promise.all([this.deps.issues.get(issue.id), this.deps.issues.sendingHold()])
      .then(async ([found, hold]) => {
        // An issue that began in the moment a reputation alarm set the hold (it looked before the
        // hold was written, the pause listed issues before it was sending) is paused here, at its
        // workers' next look: within STATE_REREAD_MS, not left sending into the alarm.
        const held = found?.state === 'sending' && hold !== undefined;
        if (held) await pauseHeld(this.deps, issue.id, hold);
        const state = held ? 'paused' : found?.state;
        this.knowledge.set(issue.id, { state, at });
        return state === 'sending';
      })
      .finally(() => this.reading.delete(issue.id));
    this.reading.set(issue.id, read);
    return read;
  }

  /** Why no claim may be made now (the issue stopped, the lease is gone, time is up), or undefined. */
  async mayClaim(issue: Issue, lease: Hold): Promise<Halt | undefined> {
    if (this.outOfTime()) return 'deadline';
    if (!(await lease.held())) return 'lease_lost';
    if (!(await this.stillSending(issue))) return 'stopped';
    return undefined;
  }

  /**
   * MJML runs once per issue (per edition of a digest) in this worker; every recipient after that
   * is a substitution. The text is the issue's snapshot, not the catalog's: the first render of
   * an issue keeps each article in it (`keepInSnapshot`, the first writer wins), and every worker,
   * shard, run and released reader after that renders the kept text, so all readers of one issue
   * get the same words while a correction changes the web page only. The catalog is still asked
   * whether each article is there: one unpublished (or whose file is gone) pauses the issue.
   */
  async editionsFor(issue: Issue): Promise<Editions> {
    const cached = this.rendered.get(issue.id);
    if (cached) return cached;
    const slugs = issue.content.kind === 'article' ? [issue.content.slug] : issue.content.slugs;
    const live = await Promise.all(slugs.map((slug) => this.deps.articles.bySlug(slug)));
    const gone = slugs.find((_, i) => !live[i]);
    if (gone !== undefined) {
      await pauseIssue(this.deps, issue.id, 'editor', {
        message: `The article "${gone}" is no longer published (nor in content/). Resuming, once it is back, sends the text this issue started with; to send a corrected text, cancel this issue and send a new one (its readers already mailed are skipped).`,
      });
      throw new Stop('issue_stopped');
    }
    let kept = await this.deps.issues.snapshot(issue.id);
    const missing = live.filter((a): a is Article => !kept.some((k) => k.slug === a?.slug));
    if (missing.length > 0) {
      try {
        await Promise.all(missing.map((a) => this.deps.issues.keepInSnapshot(issue.id, a)));
      } catch (error) {
        // A content/ file too long to keep: a pause an editor can read, not a failure each run.
        if (!(error instanceof ArticleTooLargeToKeep)) throw error;
        await pauseIssue(this.deps, issue.id, 'editor', {
          message: `The article "${error.slug}" is too long to send as one issue (${error.bytes} bytes compressed; at most ${MAX_SNAPSHOT_ITEM_BYTES}). Shorten it, then cancel this issue and send a new one.`,
        });
        throw new Stop('issue_stopped');
      }
      // Another worker's first render may have won a slug: read what was kept, theirs or ours.
      kept = await this.deps.issues.snapshot(issue.id);
    }
    const articles = slugs.map((slug) => kept.find((a) => a.slug === slug));
    const lost = slugs.find((_, i) => !articles[i]);
    if (lost !== undefined)
      throw new Error(`issue ${issue.id}: the snapshot has no "${lost}" though it was just kept`);
    const editions = new Editions(this.deps, issue, articles as Article[]);
    this.rendered.set(issue.id, editions);
    return editions;
  }
}
