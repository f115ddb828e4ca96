import { randomUUID } from 'node:crypto';
import type { Article } from '../content/article.js';
import { DomainError, ErrorCodes } from '../errors.js';
import { listHeaders } from '../email/list-headers.js';
import { Editions, NOTHING_NEW, type Edition } from '../issues/digest-editions.js';
import { recordResend } from '../issues/ambiguous.js';
import { pauseIssue, transitionIssue } from '../issues/manage-issues.js';
import { pendingReleases } from '../issues/resolutions.js';
import {
  addCounts,
  addSkips,
  processedOf,
  type AmbiguousResolution,
  type Issue,
  type IssueState,
  type ShardProgress,
} from '../issues/issue.js';
import { readerLinks } from '../links.js';
import { MailFailure, MailFailureKinds, type OutgoingMessage, type SendQuota } from '../ports.js';
import { publicationValues } from '../subscribers/messages.js';
import { RECIPIENT_SHARDS, type Subscriber } from '../subscribers/subscriber.js';
import type { DeliveryDeps } from './deps.js';
import { ShardLease } from './lease.js';
import { Pacer } from './pacer.js';
import { PageLedger, type ClaimOutcome } from './page-ledger.js';

/** A worker that stops renewing its lease for this long is presumed dead; the shard is free again. */
export const SHARD_LEASE_MS = 2 * 60 * 1000;
/** Stop taking recipients this long before the deadline: room for one SES call and the ledger mark. */
export const DEADLINE_MARGIN_MS = 5_000;
const PAGE_SIZE = 50;
/**
 * How old a worker's knowledge of an issue's state may grow before it is read again: a pause or
 * a cancel stops every send within about this (and within a second, the promise, at any size).
 */
const STATE_REREAD_MS = 500;
const QUOTA_PAUSE_MS = 60 * 60 * 1000;

export type WorkerOptions = {
  workerId?: string;
  /** When to stop (epoch ms); the Lambda's timeout less a margin. Unbounded when absent. */
  deadline?: number;
  /** Work on this issue only, and wait for shards other workers hold until it is finished. */
  issueId?: string;
  /** With `issueId`: work this one shard (a fleet sender's message), once, and return. */
  shard?: number;
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

/** Why a page is left before its end. */
type Halt = 'deadline' | 'lease_lost' | 'stopped';
type Outcome = Exclude<ClaimOutcome, 'claimed'> | Halt;
const isHalt = (o: Outcome): o is Halt => o === 'deadline' || o === 'lease_lost' || o === 'stopped';
/** What a send checks before it starts: a shard's lease, or (for a released reader) the ledger's claim alone. */
type Hold = Pick<ShardLease, 'held'>;
/** A shard while this worker holds it: its progress as last saved, and the lease. */
type WorkedShard = { current: ShardProgress; lease: ShardLease };
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

/*
 * Longer than the ~300 lines a file should be, knowingly: the run loop, a page's handling and one
 * recipient's send share one worker's state (its lease, what it knows of each issue, the pacer,
 * the quota), and each guarantee of docs/sending.md crosses all three. The page ledger, the lease
 * and the digest editions are already their own modules; the next to leave is the per-recipient
 * send, when several sends go in flight at once (issue 14's lanes).
 */
class Worker {
  private readonly id: string;
  private readonly sleep: (ms: number) => Promise<void>;
  private pacer?: Pacer;
  private quota?: SendQuota;
  private readonly rendered = new Map<string, Editions>();
  /** What this worker last read of each issue's state, and when that read began. */
  private readonly knowledge = new Map<string, { state?: IssueState; at: number }>();
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
      if (this.options.shard !== undefined) return this.result('idle'); // its one shard, once
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
    const offset = this.options.shard ?? Math.floor(Math.random() * RECIPIENT_SHARDS);
    const count = this.options.shard === undefined ? RECIPIENT_SHARDS : 1;
    for (let i = 0; i < count; i++) {
      if (this.outOfTime()) throw new Stop('deadline');
      if (!(await this.stillSending(issue))) return true;
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
    worked = (await this.resendReleased(issue)) || worked;
    await this.finishIfDone(issue);
    return worked;
  }

  /**
   * Readers an editor released (their send had proved nothing) are sent again, one by one, after
   * the shards. No lease: the ledger's claim is the hold, so of two workers one sends and the
   * other is refused. What the send did is recorded on the decision (the first record stands).
   */
  private async resendReleased(issue: Issue): Promise<boolean> {
    const current = await this.deps.issues.get(issue.id);
    const releases = current ? pendingReleases(current) : [];
    const editions = releases.length ? await this.editionsFor(issue) : undefined;
    for (const release of releases) {
      if (this.outOfTime()) throw new Stop('deadline');
      if (!(await this.stillSending(issue))) return true;
      await this.ensurePacing(issue);
      const outcome = await this.resend(issue, release, editions!);
      if (outcome)
        await recordResend(this.deps, issue.id, release, outcome.outcome, outcome.detail);
      if (outcome?.outcome === 'sent') this.sent++;
    }
    return releases.length > 0;
  }

  private async resend(issue: Issue, release: AmbiguousResolution, editions: Editions) {
    const { subscriberId: id } = release;
    const reader = await this.deps.subscribers.get(id);
    if (reader?.state !== 'confirmed')
      return { outcome: 'skipped' as const, detail: 'no longer subscribed' };
    if (await this.deps.suppressions.isSuppressed(reader.email))
      return { outcome: 'suppressed' as const };
    // The editor's request records the decision, then frees the claim: it may not have got that far.
    await this.deps.ledger.resolveClaim(issue.deliveryKey, id, release.attempt, {
      resolution: 'release',
      by: release.by,
      at: new Date(release.at),
      reason: release.reason,
    });
    const page = new PageLedger(this.deps, issue);
    const edition = (await editions.forPage([reader]))(reader);
    const outcome = await this.deliverEdition(issue, edition, reader, page, {
      held: async () => true,
    });
    await page.flush();
    if (outcome === 'unresolved') return this.resendInFlight(issue, id);
    if (isHalt(outcome)) return undefined; // the claim was given back: still pending
    const { why, failures } = page.outcome();
    return { outcome, detail: why[id] ?? failures[0]?.reason };
  }

  /** Another worker's claim on a released reader: its own to record, unless that worker died in flight. */
  private async resendInFlight(issue: Issue, id: string) {
    const entry = await this.deps.ledger.entry(issue.deliveryKey, id);
    if (entry?.status !== 'claimed') return undefined;
    if (this.now() - Date.parse(entry.claimedAt) < this.leaseMs) return undefined;
    return { outcome: 'ambiguous' as const, detail: 'a worker stopped while sending it again' };
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

  /**
   * Whether the issue is still sending, by this worker's knowledge of it: one timestamp per
   * issue, re-read once it is STATE_REREAD_MS old. Asked before every claim and every send, so
   * no send starts on knowledge much older than that, whatever the issue's size or shard.
   */
  private async stillSending(issue: Issue): Promise<boolean> {
    const known = this.knowledge.get(issue.id);
    if (!known || this.now() - known.at >= STATE_REREAD_MS) {
      const at = this.now(); // the state is at least as new as the moment the read began
      const state = (await this.deps.issues.get(issue.id))?.state;
      this.knowledge.set(issue.id, { state, at });
      return state === 'sending';
    }
    return known.state === 'sending';
  }

  /** Sends one shard page by page; false when the issue stopped sending. */
  private async sendShard(issue: Issue, start: ShardProgress): Promise<boolean> {
    const shard: WorkedShard = {
      current: start,
      lease: new ShardLease(this.deps, this.id, this.leaseMs, start),
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

  private save = (progress: ShardProgress) => this.deps.issues.saveShard(progress, this.id);
  private released = (progress: ShardProgress): ShardProgress => ({
    ...progress,
    leaseUntil: new Date(this.now() - 1).toISOString(),
  });

  private async sendPages(issue: Issue, shard: WorkedShard): Promise<boolean> {
    const editions = await this.editionsFor(issue);
    while (!shard.current.done) {
      const progress = shard.current;
      await this.ensurePacing(issue);
      const page = await this.deps.subscribers.listRecipients({
        shard: progress.shard,
        topics: issue.audience.topics,
        frequencies: issue.audience.frequencies,
        cursor: progress.cursor,
        limit: PAGE_SIZE,
      });
      const settled = new Set(progress.settled);
      const suppressed = await this.deps.suppressions.suppressedAmong(
        page.items.map((s) => s.email),
      );
      // Chosen (and rendered) before the page's first claim, so choosing adds no wait per recipient.
      const editionOf = await editions.forPage(page.items);
      const ledger = new PageLedger(this.deps, issue);
      let left = false;
      const leave = (halt: Halt) => {
        left = true;
        return this.leavePage(halt, shard, ledger);
      };
      try {
        for (const subscriber of page.items) {
          if (settled.has(subscriber.id)) continue; // counted when the page was left mid-way
          const halt = await this.mayClaim(issue, shard.lease);
          if (halt) return await leave(halt);
          const outcome = suppressed.has(subscriber.email)
            ? 'suppressed'
            : await this.deliverEdition(
                issue,
                editionOf(subscriber),
                subscriber,
                ledger,
                shard.lease,
              );
          if (isHalt(outcome)) return await leave(outcome);
          if (outcome !== 'unresolved') ledger.count(outcome, subscriber.id);
          if (outcome === 'sent') this.sent++;
        }
        await ledger.settle();
        await ledger.flush();
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
        leaseUntil: new Date(this.now() + this.leaseMs).toISOString(),
      });
      if (!(await shard.lease.write(next, this.save))) return true; // lease lost: someone else has it now
      this.processed += processedOf(ledger.outcome().counts);
      shard.current = next;
      this.options.onPage?.();
    }
    return true;
  }

  /** The shard's progress with a page's outcome (whole, or as far as it got) added. */
  private withPage(
    progress: ShardProgress,
    ledger: PageLedger,
    change: Partial<ShardProgress>,
  ): ShardProgress {
    const { counts, ambiguous, failures, skips, why } = ledger.outcome();
    return {
      ...progress,
      counts: addCounts(progress.counts, counts),
      ...(Object.keys(skips).length > 0 && { skips: addSkips(progress.skips, skips) }),
      ...(Object.keys(why).length > 0 && { ambiguousWhy: { ...progress.ambiguousWhy, ...why } }),
      ambiguous: [...progress.ambiguous, ...ambiguous],
      failures: [...progress.failures, ...failures].slice(-100),
      ...change,
    };
  }

  /** Why no claim may be made now (the issue stopped, the lease is gone, time is up), or undefined. */
  private async mayClaim(issue: Issue, lease: Hold): Promise<Halt | undefined> {
    if (this.outOfTime()) return 'deadline';
    if (!(await lease.held())) return 'lease_lost';
    if (!(await this.stillSending(issue))) return 'stopped';
    return undefined;
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
      leaseUntil: new Date(this.now() - 1).toISOString(),
    });
    if (await shard.lease.write(left, this.save)) {
      this.processed += processedOf(ledger.outcome().counts);
      shard.current = left;
    }
    if (halt === 'deadline') throw new Stop('deadline');
    return halt !== 'stopped';
  }

  /** A digest's reader who received every one of its articles as an issue is sent nothing. */
  private async deliverEdition(
    issue: Issue,
    edition: Edition | undefined,
    subscriber: Subscriber,
    page: PageLedger,
    lease: Hold,
  ): Promise<Outcome> {
    if (!edition) {
      page.skippedBecause(NOTHING_NEW);
      return 'skipped';
    }
    return this.deliver(issue, edition, subscriber, page, lease);
  }

  /** Claim (carrying the previous send's receipt), send, remember the receipt: one recipient. */
  private async deliver(
    issue: Issue,
    edition: Edition,
    subscriber: Subscriber,
    page: PageLedger,
    lease: Hold,
  ): Promise<Outcome> {
    const { ledger } = this.deps;
    const claim = await page.claim(subscriber.id, this.deps.clock.now());
    if (claim !== 'claimed') return claim;
    const message = this.messageFor(issue, edition, subscriber);
    for (let attempt = 0; ; attempt++) {
      if (this.quotaUsedUp()) {
        await page.flush();
        await ledger.release(issue.deliveryKey, subscriber.id);
        await this.pauseForQuota(issue);
      }
      await this.pacer!.take();
      // The pace (or a backoff) may have waited: the issue and the lease are asked again.
      const halt = await this.mayClaim(issue, lease);
      if (halt) {
        await page.flush(); // before the release: this claim may carry the only proof of the send before it
        await ledger.release(issue.deliveryKey, subscriber.id);
        return halt;
      }
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
            // SES refused to take it, or was never reached: it did not take the message. Back off, retry.
            await this.sleep(
              Math.min(50 * 2 ** Math.min(attempt, 7), 5_000) * (0.5 + Math.random() / 2),
            );
            continue;
          case MailFailureKinds.unknown:
            // SES may have accepted it: the claim stays, so it is never resent (unless an editor says).
            page.uncertain(subscriber.id, error.message);
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
