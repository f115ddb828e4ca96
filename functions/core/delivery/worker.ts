import { randomUUID } from 'node:crypto';
import type { Article } from '../content/article.js';
import { DomainError, ErrorCodes } from '../errors.js';
import { listHeaders } from '../email/list-headers.js';
import { preparePersonalization, type Personalize } from '../email/personalize.js';
import { pauseIssue, transitionIssue } from '../issues/manage-issues.js';
import { addCounts, zeroCounts, type Counts, type Issue, type ShardProgress } from '../issues/issue.js';
import { readerLinks } from '../links.js';
import { MailFailure, MailFailureKinds, type OutgoingMessage, type SendQuota } from '../ports.js';
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
  stoppedBecause: 'idle' | 'deadline' | 'issue_finished' | 'issue_stopped' | 'account_paused' | 'quota';
  /** Recipients this worker settled (any outcome). */
  processed: number;
  sent: number;
};

type Outcome = keyof Counts | 'deferred';
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
export async function runWorker(deps: DeliveryDeps, options: WorkerOptions = {}): Promise<WorkerResult> {
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
  private readonly rendered = new Map<string, Personalize>();
  private processed = 0;
  private sent = 0;

  constructor(private readonly deps: DeliveryDeps, private readonly options: WorkerOptions) {
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
  private outOfTime = () => this.options.deadline !== undefined && this.now() >= this.options.deadline - DEADLINE_MARGIN_MS;

  async run(): Promise<WorkerResult> {
    for (;;) {
      if (this.outOfTime()) return this.result('deadline');
      const issues = this.options.issueId
        ? [await this.deps.issues.get(this.options.issueId)].filter((i): i is Issue => i !== undefined)
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
      const claimed = await this.deps.issues.claimShard(issue.id, shard, this.id, now, new Date(now.getTime() + this.leaseMs));
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
      if (error instanceof Stop && error.reason !== 'deadline') await this.release(progress.current);
      throw error;
    }
  }

  private async sendPages(issue: Issue, state: { current: ShardProgress }): Promise<boolean> {
    let progress = state.current;
    const personalize = await this.personalizerFor(issue);
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
      const suppressed = await this.deps.suppressions.suppressedAmong(page.items.map((s) => s.email));
      let pageCounts = zeroCounts();
      const pageAmbiguous: string[] = [];
      const pageFailures: ShardProgress['failures'] = [];
      for (const subscriber of page.items) {
        if (this.now() - lastStateCheck >= STATE_CHECK_MS) {
          lastStateCheck = this.now();
          if ((await this.deps.issues.get(issue.id))?.state !== 'sending') return this.abandonPage(progress, false);
        }
        if (this.outOfTime()) return this.abandonPage(progress, true);
        const outcome = suppressed.has(subscriber.email) ? 'suppressed' : await this.deliver(issue, personalize, subscriber, pageFailures);
        if (outcome === 'deferred') return this.abandonPage(progress, true);
        pageCounts = addCounts(pageCounts, { ...zeroCounts(), [outcome]: 1 });
        if (outcome === 'ambiguous') pageAmbiguous.push(subscriber.id);
        this.processed++;
        if (outcome === 'sent') this.sent++;
      }
      // A page's counts are saved with its cursor in one write: a page that is redone after a
      // crash is counted again from the ledger, never twice.
      const next: ShardProgress = {
        ...progress,
        cursor: page.cursor,
        done: !page.cursor,
        counts: addCounts(progress.counts, pageCounts),
        ambiguous: [...progress.ambiguous, ...pageAmbiguous],
        failures: [...progress.failures, ...pageFailures].slice(-100),
        leaseUntil: new Date(this.now() + this.leaseMs).toISOString(),
      };
      if (!(await this.deps.issues.saveShard(next, this.id))) return true; // lease lost: someone else has it now
      progress = state.current = next;
      this.options.onPage?.();
    }
    return true;
  }

  /** Leaves a page unfinished: its cursor stays, the lease is handed back for the next worker. */
  private async abandonPage(progress: ShardProgress, stillSending: boolean): Promise<boolean> {
    await this.release(progress);
    if (this.outOfTime()) throw new Stop('deadline');
    return stillSending;
  }

  private release(progress: ShardProgress) {
    return this.deps.issues.saveShard({ ...progress, leaseUntil: new Date(this.now() - 1).toISOString() }, this.id);
  }

  /** Claim, send, mark: the ledger's three steps for one recipient. */
  private async deliver(issue: Issue, personalize: Personalize, subscriber: Subscriber, failures: ShardProgress['failures']): Promise<Outcome> {
    const { ledger } = this.deps;
    const claim = await ledger.claim(issue.deliveryKey, subscriber.id, issue.id, this.deps.clock.now());
    if (claim !== 'claimed') {
      // Sent by this issue in a page that is being redone: count it as this issue's send.
      if (claim.status === 'sent') return claim.issueId === issue.id ? 'sent' : 'skipped';
      return 'ambiguous';
    }
    const message = this.messageFor(issue, personalize, subscriber);
    for (let attempt = 0; ; attempt++) {
      if (this.outOfTime()) {
        await ledger.release(issue.deliveryKey, subscriber.id);
        return 'deferred';
      }
      if (this.quotaUsedUp()) {
        await ledger.release(issue.deliveryKey, subscriber.id);
        await this.pauseForQuota(issue);
      }
      await this.pacer!.take();
      try {
        const { messageId } = await this.deps.mailer.send(message);
        await ledger.markSent(issue.deliveryKey, subscriber.id, messageId, this.deps.clock.now());
        return 'sent';
      } catch (error) {
        if (!(error instanceof MailFailure)) throw error;
        switch (error.kind) {
          case MailFailureKinds.throttled:
          case MailFailureKinds.transient:
            // SES pacing us or having a bad moment: it did not take the message. Back off, retry.
            await this.sleep(Math.min(50 * 2 ** Math.min(attempt, 7), 5_000) * (0.5 + Math.random() / 2));
            continue;
          case MailFailureKinds.unknown:
            // SES may have accepted it: the claim stays, so it is never resent.
            return 'ambiguous';
          case MailFailureKinds.quotaExceeded:
            await ledger.release(issue.deliveryKey, subscriber.id);
            await pauseIssue(this.deps, issue.id, 'daily_quota', { resumeAfter: new Date(this.now() + QUOTA_PAUSE_MS), message: error.message });
            throw new Stop('quota');
          case MailFailureKinds.accountPaused:
            await ledger.release(issue.deliveryKey, subscriber.id);
            await pauseIssue(this.deps, issue.id, 'account_paused', { message: `SES refused to send: ${error.message}. Sending stays paused until the account is reinstated and an editor resumes the issue.` });
            throw new Stop('account_paused');
          default:
            await ledger.markFailed(issue.deliveryKey, subscriber.id, `${error.kind}: ${error.message}`, this.deps.clock.now());
            failures.push({ subscriberId: subscriber.id, reason: error.message });
            return 'failed';
        }
      }
    }
  }

  private messageFor(issue: Issue, personalize: Personalize, subscriber: Subscriber): OutgoingMessage {
    const links = readerLinks(this.deps.publication, this.deps.signer, subscriber.id);
    const body = personalize({
      ...publicationValues(this.deps),
      unsubscribe_url: links.unsubscribe,
      preferences_url: links.preferences,
      email: subscriber.email,
    });
    return {
      to: subscriber.email,
      subject: issue.subject,
      ...body,
      headers: listHeaders(this.deps.publication, links.unsubscribe),
      tags: { kind: 'issue', issue: issue.id },
    };
  }

  /** MJML runs once per issue in this worker; every recipient after that is a substitution. */
  private async personalizerFor(issue: Issue): Promise<Personalize> {
    const cached = this.rendered.get(issue.id);
    if (cached) return cached;
    const slugs = issue.content.kind === 'article' ? [issue.content.slug] : issue.content.slugs;
    const articles: Article[] = [];
    for (const slug of slugs) {
      const article = await this.deps.articles.bySlug(slug);
      if (!article) {
        await pauseIssue(this.deps, issue.id, 'editor', { message: `The article "${slug}" is no longer in content/.` });
        throw new Stop('issue_stopped');
      }
      articles.push(article);
    }
    const personalize = preparePersonalization(await this.deps.renderer.render(issue, articles, this.deps.publication));
    this.rendered.set(issue.id, personalize);
    return personalize;
  }

  /** Reads SES's quota once per worker run: the pace, and whether the day's quota has room. */
  private async ensurePacing(issue: Issue) {
    if (!this.quota) {
      this.quota = await this.deps.quota.get();
      const { rateFraction, workers, fixedRate } = this.deps.pacing;
      const rate = fixedRate !== undefined ? fixedRate / workers : (this.quota.maxSendRate * rateFraction) / workers;
      this.pacer = new Pacer(rate, this.deps.monotonic, this.sleep);
    }
    if (this.quotaUsedUp()) await this.pauseForQuota(issue);
  }

  /** What SES reported at the start, plus what this worker sent since, against the 24-hour quota. */
  private quotaUsedUp() {
    return !!this.quota && this.quota.max24HourSend >= 0 && this.quota.sentLast24Hours + this.sent >= this.quota.max24HourSend;
  }

  private async pauseForQuota(issue: Issue): Promise<never> {
    await pauseIssue(this.deps, issue.id, 'daily_quota', {
      resumeAfter: new Date(this.now() + QUOTA_PAUSE_MS),
      message: `SES's 24-hour quota (${this.quota?.max24HourSend}) is used up; the issue resumes when there is room.`,
    });
    throw new Stop('quota');
  }
}
