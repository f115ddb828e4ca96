import { randomUUID } from 'node:crypto';
import type { Article } from '../content/article.js';
import { DomainError, ErrorCodes } from '../errors.js';
import { listHeaders } from '../email/list-headers.js';
import { Editions, NOTHING_NEW, type Edition } from '../issues/digest-editions.js';
import { pauseIssue, transitionIssue } from '../issues/manage-issues.js';
import {
  addCounts,
  addSkips,
  processedOf,
  zeroCounts,
  type Counts,
  type Issue,
  type ShardProgress,
} from '../issues/issue.js';
import { readerLinks } from '../links.js';
import {
  MailFailure,
  MailFailureKinds,
  type LedgerEntry,
  type OutgoingMessage,
  type SendQuota,
  type SendReceipt,
  type SentEntry,
} from '../ports.js';
import { publicationValues } from '../subscribers/messages.js';
import { RECIPIENT_SHARDS, type Subscriber } from '../subscribers/subscriber.js';
import type { DeliveryDeps } from './deps.js';
import { Pacer } from './pacer.js';

/** A worker that stops renewing its lease for this long is presumed dead; the shard is free again. */
export const SHARD_LEASE_MS = 2 * 60 * 1000;
/** Stop taking recipients this long before the deadline: room for one SES call and the ledger mark. */
export const DEADLINE_MARGIN_MS = 5_000;
const PAGE_SIZE = 50;
/** How often a worker re-reads its issue, to notice a pause or a cancel within a page. */
const STATE_CHECK_MS = 1_000;
const QUOTA_PAUSE_MS = 60 * 60 * 1000;

export type WorkerOptions = {
  workerId?: string;
  /** When to stop (epoch ms); the Lambda's timeout less a margin. Unbounded when absent. */
  deadline?: number;
  /** Work on this issue only, and wait for shards other workers hold until it is finished. */
  issueId?: string;
  /** Called after each page, to show progress. */
  onPage?: () => void;
};

export type WorkerResult = {
  stoppedBecause:
    | 'idle'
    | 'deadline'
    | 'issue_finished'
    | 'issue_stopped'
    | 'account_paused'
    | 'quota';
  /** Recipients this worker settled (any outcome). */
  processed: number;
  sent: number;
};

type Outcome = keyof Counts | 'deferred' | 'unresolved';
class Stop extends Error {
  constructor(readonly reason: WorkerResult['stoppedBecause']) {
    super(reason);
  }
}

/**
 * One worker: takes shards of issues that are sending, one at a time, and sends their recipients
 * in order, one message at a time (so a worker killed at any moment leaves at most one recipient
 * whose outcome is unknown). Several workers run side by side on different shards.
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
  }
}

class Worker {
  private readonly id: string;
  private readonly sleep: (ms: number) => Promise<void>;
  private pacer?: Pacer;
  private quota?: SendQuota;
  private readonly rendered = new Map<string, Editions>();
  private processed = 0;
  private sent = 0;

  constructor(
    private readonly deps: DeliveryDeps,
    private readonly options: WorkerOptions,
  ) {
    this.id = options.workerId ?? randomUUID();
    this.sleep = deps.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  result(stoppedBecause: WorkerResult['stoppedBecause']): WorkerResult {
    return { stoppedBecause, processed: this.processed, sent: this.sent };
  }

  private now = () => this.deps.clock.now().getTime();
  private get leaseMs() {
    return this.deps.pacing.leaseMs ?? SHARD_LEASE_MS;
  }
  private outOfTime = () =>
    this.options.deadline !== undefined && this.now() >= this.options.deadline - DEADLINE_MARGIN_MS;

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
    const offset = Math.floor(Math.random() * RECIPIENT_SHARDS);
    for (let i = 0; i < RECIPIENT_SHARDS; i++) {
      if (this.outOfTime()) throw new Stop('deadline');
      const shard = (offset + i) % RECIPIENT_SHARDS;
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
      const stillSending = await this.sendShard(issue, claimed);
      if (!stillSending) return true;
    }
    await this.finishIfDone(issue);
    return worked;
  }

  private async finishIfDone(issue: Issue) {
    const shards = await this.deps.issues.shards(issue.id);
    if (shards.length === RECIPIENT_SHARDS && shards.every((s) => s.done)) {
      await transitionIssue(this.deps, issue.id, 'finish').catch((error) => {
        // Paused or cancelled at the last moment: that state stands.
        if (!(error instanceof DomainError && error.code === ErrorCodes.conflict)) throw error;
      });
    }
  }

  /** Sends one shard page by page; false when the issue stopped sending. */
  private async sendShard(issue: Issue, start: ShardProgress): Promise<boolean> {
    const progress = { current: start };
    try {
      return await this.sendPages(issue, progress);
    } catch (error) {
      // Stopping for the quota or a paused account: hand the shard back for whoever resumes.
      if (error instanceof Stop && error.reason !== 'deadline')
        await this.release(progress.current);
      throw error;
    }
  }

  private async sendPages(issue: Issue, state: { current: ShardProgress }): Promise<boolean> {
    let progress = state.current;
    const editions = await this.editionsFor(issue);
    let lastStateCheck = this.now();
    while (!progress.done) {
      await this.ensurePacing(issue);
      const page = await this.deps.subscribers.listRecipients({
        shard: progress.shard,
        topics: issue.audience.topics,
        frequencies: issue.audience.frequencies,
        cursor: progress.cursor,
        limit: PAGE_SIZE,
      });
      const suppressed = await this.deps.suppressions.suppressedAmong(
        page.items.map((s) => s.email),
      );
      const editionOf = await editions.forPage(page.items);
      const ledger = new PageLedger(this.deps, issue);
      try {
        for (const subscriber of page.items) {
          if (this.now() - lastStateCheck >= STATE_CHECK_MS) {
            lastStateCheck = this.now();
            if ((await this.deps.issues.get(issue.id))?.state !== 'sending')
              return await this.abandonPage(progress, ledger, false);
          }
          if (this.outOfTime()) return await this.abandonPage(progress, ledger, true);
          const outcome = suppressed.has(subscriber.email)
            ? 'suppressed'
            : await this.deliverEdition(issue, editionOf(subscriber), subscriber, ledger);
          if (outcome === 'deferred') return await this.abandonPage(progress, ledger, true);
          if (outcome !== 'unresolved') ledger.count(outcome, subscriber.id);
          if (outcome === 'sent') this.sent++;
        }
        await ledger.settle();
        await ledger.flush();
      } catch (error) {
        // DynamoDB failing under us: record what SES accepted if it still can, then give up the run.
        if (!(error instanceof Stop)) await ledger.flush().catch(() => undefined);
        throw error;
      }
      const { counts, ambiguous, failures, skips } = ledger.outcome();
      this.processed += processedOf(counts);
      // A page's counts are saved with its cursor in one write: a page that is redone after a
      // crash is counted again from the ledger, never twice.
      const next: ShardProgress = {
        ...progress,
        cursor: page.cursor,
        done: !page.cursor,
        counts: addCounts(progress.counts, counts),
        ...(Object.keys(skips).length > 0 && { skips: addSkips(progress.skips, skips) }),
        ambiguous: [...progress.ambiguous, ...ambiguous],
        failures: [...progress.failures, ...failures].slice(-100),
        leaseUntil: new Date(this.now() + this.leaseMs).toISOString(),
      };
      if (!(await this.deps.issues.saveShard(next, this.id))) return true; // lease lost: someone else has it now
      progress = state.current = next;
      this.options.onPage?.();
    }
    return true;
  }

  /** Leaves a page unfinished: its sends are marked, its cursor stays, the lease is handed back. */
  private async abandonPage(
    progress: ShardProgress,
    ledger: PageLedger,
    stillSending: boolean,
  ): Promise<boolean> {
    await ledger.flush();
    await this.release(progress);
    if (this.outOfTime()) throw new Stop('deadline');
    return stillSending;
  }

  private release(progress: ShardProgress) {
    return this.deps.issues.saveShard(
      { ...progress, leaseUntil: new Date(this.now() - 1).toISOString() },
      this.id,
    );
  }

  /** A digest's reader who received every one of its articles as an issue is sent nothing. */
  private async deliverEdition(
    issue: Issue,
    edition: Edition | undefined,
    subscriber: Subscriber,
    page: PageLedger,
  ): Promise<Outcome> {
    if (!edition) {
      page.skippedBecause(NOTHING_NEW);
      return 'skipped';
    }
    return this.deliver(issue, edition, subscriber, page);
  }

  /** Claim (carrying the previous send's receipt), send, remember the receipt: one recipient. */
  private async deliver(
    issue: Issue,
    edition: Edition,
    subscriber: Subscriber,
    page: PageLedger,
  ): Promise<Outcome> {
    const { ledger } = this.deps;
    const claim = await page.claim(subscriber.id, this.deps.clock.now());
    if (claim !== 'claimed') return claim;
    const message = this.messageFor(issue, edition, subscriber);
    for (let attempt = 0; ; attempt++) {
      if (this.outOfTime()) {
        await page.flush(); // before the release: this claim may carry the only proof of the send before it
        await ledger.release(issue.deliveryKey, subscriber.id);
        return 'deferred';
      }
      if (this.quotaUsedUp()) {
        await page.flush();
        await ledger.release(issue.deliveryKey, subscriber.id);
        await this.pauseForQuota(issue);
      }
      await this.pacer!.take();
      try {
        const { messageId } = await this.deps.mailer.send(message);
        page.sent({
          subscriberId: subscriber.id,
          messageId,
          sentAt: this.deps.clock.now().toISOString(),
        });
        return 'sent';
      } catch (error) {
        if (!(error instanceof MailFailure)) throw error;
        switch (error.kind) {
          case MailFailureKinds.throttled:
          case MailFailureKinds.transient:
            // SES pacing us or having a bad moment: it did not take the message. Back off, retry.
            await this.sleep(
              Math.min(50 * 2 ** Math.min(attempt, 7), 5_000) * (0.5 + Math.random() / 2),
            );
            continue;
          case MailFailureKinds.unknown:
            // SES may have accepted it: the claim stays, so it is never resent.
            return 'ambiguous';
          case MailFailureKinds.quotaExceeded:
            await page.flush();
            await ledger.release(issue.deliveryKey, subscriber.id);
            await pauseIssue(this.deps, issue.id, 'daily_quota', {
              resumeAfter: new Date(this.now() + QUOTA_PAUSE_MS),
              message: error.message,
            });
            throw new Stop('quota');
          case MailFailureKinds.accountPaused:
            await page.flush();
            await ledger.release(issue.deliveryKey, subscriber.id);
            await pauseIssue(this.deps, issue.id, 'account_paused', {
              message: `SES refused to send: ${error.message}. Sending stays paused until the account is reinstated and an editor resumes the issue.`,
            });
            throw new Stop('account_paused');
          default:
            // A failed entry can be claimed again later, which replaces it: mark what it proves first.
            await page.flush();
            await ledger.markFailed(
              issue.deliveryKey,
              subscriber.id,
              `${error.kind}: ${error.message}`,
              this.deps.clock.now(),
            );
            page.failed(subscriber.id, error.message);
            return 'failed';
        }
      }
    }
  }

  private messageFor(issue: Issue, edition: Edition, subscriber: Subscriber): OutgoingMessage {
    const links = readerLinks(this.deps.publication, this.deps.signer, subscriber.id);
    const body = edition.personalize({
      ...publicationValues(this.deps),
      unsubscribe_url: links.unsubscribe,
      preferences_url: links.preferences,
      email: subscriber.email,
    });
    return {
      to: subscriber.email,
      subject: edition.subject,
      ...body,
      headers: listHeaders(this.deps.publication, links.unsubscribe),
      tags: { kind: 'issue', issue: issue.id },
    };
  }

  /** MJML runs once per issue (per edition of a digest) in this worker; every recipient after that is a substitution. */
  private async editionsFor(issue: Issue): Promise<Editions> {
    const cached = this.rendered.get(issue.id);
    if (cached) return cached;
    const slugs = issue.content.kind === 'article' ? [issue.content.slug] : issue.content.slugs;
    const articles: Article[] = [];
    for (const slug of slugs) {
      const article = await this.deps.articles.bySlug(slug);
      if (!article) {
        await pauseIssue(this.deps, issue.id, 'editor', {
          message: `The article "${slug}" is no longer in content/.`,
        });
        throw new Stop('issue_stopped');
      }
      articles.push(article);
    }
    const editions = new Editions(this.deps, issue, articles);
    this.rendered.set(issue.id, editions);
    return editions;
  }

  /** Reads SES's quota once per worker run: the pace, and whether the day's quota has room. */
  private async ensurePacing(issue: Issue) {
    if (!this.quota) {
      this.quota = await this.deps.quota.get();
      const { rateFraction, workers, fixedRate } = this.deps.pacing;
      const rate =
        fixedRate !== undefined
          ? fixedRate / workers
          : (this.quota.maxSendRate * rateFraction) / workers;
      this.pacer = new Pacer(rate, this.deps.monotonic, this.deps.sleep);
    }
    if (this.quotaUsedUp()) await this.pauseForQuota(issue);
  }

  /** What SES reported at the start, plus what this worker sent since, against the 24-hour quota. */
  private quotaUsedUp() {
    return (
      !!this.quota &&
      this.quota.max24HourSend >= 0 &&
      this.quota.sentLast24Hours + this.sent >= this.quota.max24HourSend
    );
  }

  private async pauseForQuota(issue: Issue): Promise<never> {
    await pauseIssue(this.deps, issue.id, 'daily_quota', {
      resumeAfter: new Date(this.now() + QUOTA_PAUSE_MS),
      message: `SES's 24-hour quota (${this.quota?.max24HourSend}) is used up; the issue resumes when there is room.`,
    });
    throw new Stop('quota');
  }
}

/**
 * One page's dealings with the ledger. Sends are marked together when the page ends (or is left);
 * until then each claim carries the receipt of the send before it, so a worker killed mid-page
 * leaves proof of every send but the one in flight. A page redone after a kill meets its own
 * earlier claims: each is settled by a receipt found on a later claim of the page, or, when none
 * turns up, counted ambiguous (never resent).
 */
class PageLedger {
  private counts = zeroCounts();
  private readonly ambiguous: string[] = [];
  private readonly failures: ShardProgress['failures'] = [];
  private readonly skips: Record<string, number> = {};
  private toMark: SentEntry[] = [];
  private latest?: SendReceipt;
  private current?: { subscriberId: string; claimedAt: string; carried?: SendReceipt };
  /** This issue's claims from an earlier life of the page, fate not yet known. */
  private readonly unresolved = new Map<string, LedgerEntry>();

  constructor(
    private readonly deps: DeliveryDeps,
    private readonly issue: Issue,
  ) {}

  /**
   * Claims a recipient, carrying the receipt of the latest send no write has recorded yet.
   * Returns 'claimed', or what the recipient's existing entry means for this issue.
   */
  async claim(subscriberId: string, at: Date): Promise<'claimed' | Outcome> {
    const carried = this.latest;
    const claim = await this.deps.ledger.claim(
      this.issue.deliveryKey,
      subscriberId,
      this.issue.id,
      at,
      carried,
    );
    if (claim !== 'claimed') return this.existing(claim);
    this.latest = undefined;
    this.current = { subscriberId, claimedAt: at.toISOString(), carried };
    return 'claimed';
  }

  /** SES accepted the message to the recipient just claimed. */
  sent(receipt: SendReceipt) {
    const claim = this.current!;
    this.toMark.push({
      ...receipt,
      issueId: this.issue.id,
      claimedAt: claim.claimedAt,
      ...(claim.carried && { previousSent: claim.carried }),
    });
    this.latest = receipt;
  }

  failed(subscriberId: string, reason: string) {
    this.failures.push({ subscriberId, reason });
  }

  skippedBecause(reason: string) {
    this.skips[reason] = (this.skips[reason] ?? 0) + 1;
  }

  count(outcome: keyof Counts, subscriberId: string) {
    this.counts[outcome]++;
    if (outcome === 'ambiguous') this.ambiguous.push(subscriberId);
  }

  /** An earlier claim of this issue that a receipt shows was sent: marked with the page, counted sent. */
  private proven(entry: LedgerEntry, receipt: SendReceipt) {
    this.toMark.push({
      ...receipt,
      issueId: this.issue.id,
      claimedAt: entry.claimedAt,
      ...(entry.previousSent && { previousSent: entry.previousSent }),
    });
    this.count('sent', entry.subscriberId);
  }

  /** A claim refused because the recipient already has an entry: what it means for this issue. */
  private existing(entry: LedgerEntry): Outcome {
    const proof = entry.previousSent;
    const proven = proof && this.unresolved.get(proof.subscriberId);
    if (proof && proven) {
      this.unresolved.delete(proof.subscriberId);
      this.proven(proven, proof);
    }
    // Sent by this issue in a page that is being redone: count it as this issue's send.
    if (entry.status === 'sent') return entry.issueId === this.issue.id ? 'sent' : 'skipped';
    if (entry.status === 'claimed' && entry.issueId === this.issue.id) {
      this.unresolved.set(entry.subscriberId, entry);
      return 'unresolved';
    }
    return 'ambiguous';
  }

  /** Marks the page's sends so far. */
  async flush() {
    if (this.toMark.length === 0) return;
    await this.deps.ledger.markSent(this.issue.deliveryKey, this.toMark);
    this.toMark = [];
    this.latest = undefined; // marked: no claim needs to carry it any more
  }

  /**
   * Settles the earlier claims no later claim of the page vouched for: their receipt may sit on a
   * claim the page no longer shows (that reader bounced or left since, or a newcomer pushed it to
   * the next page), so the ledger is asked. Claims still unproven stay claimed, and are ambiguous.
   */
  async settle() {
    for (const [id, entry] of this.unresolved) {
      const receipt = await this.deps.ledger.findReceipt(this.issue.deliveryKey, id);
      if (receipt) this.proven(entry, receipt);
      else this.count('ambiguous', id);
    }
    this.unresolved.clear();
  }

  outcome() {
    return {
      counts: this.counts,
      ambiguous: this.ambiguous,
      failures: this.failures,
      skips: this.skips,
    };
  }
}
