import { listHeaders } from '../email/list-headers.js';
import { personalSubject, readerValues } from '../email/merge-tags.js';
import { NOTHING_NEW, type Edition } from '../issues/digest-editions.js';
import type { Issue } from '../issues/issue.js';
import { pauseIssue } from '../issues/manage-issues.js';
import { readerLinks } from '../links.js';
import { MailFailure, MailFailureKinds, type OutgoingMessage, type SendQuota } from '../ports.js';
import { publicationValues } from '../subscribers/messages.js';
import type { Subscriber } from '../subscribers/subscriber.js';
import { Pacer } from './pacer.js';
import { splitRate } from './rate-budget.js';
import { RateShare, shareOf } from './rate-share.js';
import { Stop, type LaneWork, type Outcome, type WorkerRun } from './worker-run.js';

const QUOTA_PAUSE_MS = 60 * 60 * 1000;

/**
 * One recipient's send, as any lane makes it: the claim (carrying the lane's previous receipt),
 * the pace, SES, and what SES's answer proves. It owns what every lane of the worker shares: the
 * pacer (this worker's share of the account's rate) and the day's quota, counted with the sends
 * still in flight.
 */
export class RecipientSender {
  private pacer?: Pacer;
  /** This worker's place among the senders sharing the account's rate, once it sends. */
  private share?: RateShare;
  private quota?: SendQuota;
  /** The pause this worker wrote for an issue: the first lane to stop for it writes it, once. */
  private readonly pausing = new Map<string, Promise<unknown>>();
  /** Recipients counted sent by this worker. */
  sent = 0;
  /** Sends handed to SES and not answered yet: they count against the day's quota already. */
  private inFlight = 0;

  constructor(private readonly run: Omit<WorkerRun, 'sender'>) {}

  /** Counts an outcome: a send counts against the day's quota and in the worker's result. */
  tally(outcome: Outcome) {
    if (outcome === 'sent') this.sent++;
  }

  /** Gives this process's place among the senders back, for its next run to take at once. */
  close() {
    return this.share?.release();
  }

  /** A digest's reader who received every one of its articles as an issue is sent nothing. */
  async deliverEdition(
    issue: Issue,
    edition: Edition | undefined,
    subscriber: Subscriber,
    work: LaneWork,
  ): Promise<Outcome> {
    if (!edition) {
      work.page.skippedBecause(NOTHING_NEW);
      return 'skipped';
    }
    return this.deliver(issue, edition, subscriber, work);
  }

  /** Claim (carrying the lane's previous send's receipt), send, remember the receipt: one recipient. */
  private async deliver(
    issue: Issue,
    edition: Edition,
    subscriber: Subscriber,
    { page, lane, lease, stopping }: LaneWork,
  ): Promise<Outcome> {
    const { ledger } = this.run.deps;
    const claim = await page.claim(lane, subscriber.id, this.run.deps.clock.now());
    if (claim !== 'claimed') return claim;
    const message = this.messageFor(issue, edition, subscriber);
    for (let attempt = 0; ; attempt++) {
      await this.pacer!.take();
      // The pace (or a backoff) may have waited: the issue and the lease are asked again, and
      // another lane may have stopped the page meanwhile.
      const halt = (await this.run.mayClaim(issue, lease)) ?? (stopping() ? 'stopped' : undefined);
      if (halt) {
        await page.flush(); // before the release: this claim may carry the only proof of the send before it
        await ledger.release(issue.deliveryKey, subscriber.id);
        return halt;
      }
      // Asked with nothing awaited before the send is counted in flight: lanes cannot both take the last one.
      if (this.quotaUsedUp()) {
        await page.flush();
        await ledger.release(issue.deliveryKey, subscriber.id);
        await this.pauseForQuota(issue);
      }
      this.inFlight++;
      try {
        const { messageId } = await this.run.deps.mailer.send(message);
        page.sent(lane, {
          subscriberId: subscriber.id,
          messageId,
          sentAt: this.run.deps.clock.now().toISOString(),
        });
        return 'sent';
      } catch (error) {
        if (!(error instanceof MailFailure)) throw error;
        switch (error.kind) {
          case MailFailureKinds.throttled:
          case MailFailureKinds.transient:
            // SES refused to take it, or was never reached: it did not take the message. Every
            // lane backs off (the pace is the worker's), then this one sends again.
            this.pacer!.holdFor(
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
            return this.pauseOnce(issue, 'quota', () =>
              pauseIssue(this.run.deps, issue.id, 'daily_quota', {
                resumeAfter: new Date(this.run.now() + QUOTA_PAUSE_MS),
                message: error.message,
              }),
            );
          case MailFailureKinds.accountPaused:
            await page.flush();
            await ledger.release(issue.deliveryKey, subscriber.id);
            return this.pauseOnce(issue, 'account_paused', () =>
              pauseIssue(this.run.deps, issue.id, 'account_paused', {
                message: `SES refused to send: ${error.message}. Sending stays paused until the account is reinstated and an editor resumes the issue.`,
              }),
            );
          default:
            // A failed entry can be claimed again later, which replaces it: mark what it proves first.
            await page.flush();
            await ledger.markFailed(
              issue.deliveryKey,
              subscriber.id,
              `${error.kind}: ${error.message}`,
              this.run.deps.clock.now(),
            );
            page.failed(subscriber.id, error.message);
            return 'failed';
        }
      } finally {
        this.inFlight--;
      }
    }
  }

  private messageFor(issue: Issue, edition: Edition, subscriber: Subscriber): OutgoingMessage {
    const links = readerLinks(this.run.deps.publication, this.run.deps.signer, subscriber.id);
    // The reader's merge tags go through the same splice as their links: only the lines holding
    // them are encoded for this message, and the HTML part gets them escaped.
    const mine = readerValues(subscriber);
    const body = edition.personalize({
      ...mine,
      ...publicationValues(this.run.deps),
      unsubscribe_url: links.unsubscribe,
      preferences_url: links.preferences,
      email: subscriber.email,
    });
    return {
      to: subscriber.email,
      subject: personalSubject(edition.subject, mine),
      ...body,
      headers: listHeaders(this.run.deps.publication, links.unsubscribe),
      tags: {
        kind: 'issue',
        issue: issue.id,
        ...(edition.variant && { variant: edition.variant }),
      },
    };
  }

  /** Reads SES's quota once per worker run: the pace, and whether the day's quota has room. */
  async ensurePacing(issue: Issue) {
    if (!this.quota) {
      this.quota = await this.run.deps.quota.get();
      this.pacer = await this.paceFor(this.quota);
    }
    if (this.quotaUsedUp()) await this.pauseForQuota(issue);
  }

  /**
   * The bulk part of the account's rate (what transactional mail's share leaves, or all of it
   * while no transactional mail is sending) divided among the senders sending now (the sender
   * registry), or, without one or with a fixed rate, the bulk part by the configured workers.
   */
  private async paceFor(quota: SendQuota): Promise<Pacer> {
    const { workers, fixedRate } = this.run.deps.pacing;
    const { monotonic, sleep, senders, clock } = this.run.deps;
    const split = splitRate(quota.maxSendRate, this.run.deps.pacing);
    const alongside = split.transactional > 0;
    if (fixedRate !== undefined || !senders)
      return new Pacer(shareOf(split.bulk, workers, alongside), monotonic, sleep);
    this.share = await RateShare.acquire(senders, split, { clock, sleep, monotonic });
    return this.share.pacer;
  }

  /** What SES reported at the start, plus what this worker sent since (or is sending), against the 24-hour quota. */
  private quotaUsedUp() {
    return (
      !!this.quota &&
      this.quota.max24HourSend >= 0 &&
      this.quota.sentLast24Hours + this.sent + this.inFlight >= this.quota.max24HourSend
    );
  }

  private pauseForQuota(issue: Issue): Promise<never> {
    return this.pauseOnce(issue, 'quota', () =>
      pauseIssue(this.run.deps, issue.id, 'daily_quota', {
        resumeAfter: new Date(this.run.now() + QUOTA_PAUSE_MS),
        message: `SES's 24-hour quota (${this.quota?.max24HourSend}) is used up; the issue resumes when there is room.`,
      }),
    );
  }

  /**
   * Pauses the issue and stops the worker. Lanes that meet the same refusal together write the
   * pause once: a second write would find the issue paused already and fail its condition.
   */
  private async pauseOnce(
    issue: Issue,
    reason: 'quota' | 'account_paused',
    pause: () => Promise<unknown>,
  ): Promise<never> {
    let paused = this.pausing.get(issue.id);
    if (!paused) {
      paused = pause();
      this.pausing.set(issue.id, paused);
    }
    await paused;
    throw new Stop(reason);
  }
}
