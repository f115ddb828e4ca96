import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { Article } from '../content/article.js';
import { DomainError, ErrorCodes } from '../errors.js';
import { listHeaders } from '../email/list-headers.js';
import { preparePersonalization, type Personalize } from '../email/personalize.js';
import { readerLinks } from '../links.js';
import {
  MailFailure,
  MailFailureKinds,
  type DeliveryLedger,
  type IssueRenderer,
  type IssueRepository,
  type Mailer,
  type SubscriberRepository,
} from '../ports.js';
import type { Publication } from '../publication.js';
import { publicationValues } from '../subscribers/messages.js';
import { RECIPIENT_SHARDS, type Subscriber } from '../subscribers/subscriber.js';
import type { TokenSigner } from '../tokens.js';

export type DeliveryDeps = {
  subscribers: SubscriberRepository;
  ledger: DeliveryLedger;
  issues: IssueRepository;
  mailer: Mailer;
  renderer: IssueRenderer;
  signer: TokenSigner;
  clock: Clock;
  publication: Publication;
  sleep?: (ms: number) => Promise<void>;
};

export type SendSummary = {
  issueId: string;
  total: number;
  sent: number;
  /** Already sent by an earlier run: nobody gets the issue twice. */
  skipped: number;
  /** A claim without a recorded outcome (a run died mid-send): never resent, listed for the editor. */
  ambiguous: string[];
  failed: { subscriberId: string; reason: string }[];
};

export type SendOptions = {
  onProgress?: (summary: Readonly<SendSummary>) => void;
  /** Recipients sent at once; keeps SES calls overlapping without flooding it. */
  concurrency?: number;
  /** Who holds the issue's lease; defaults to a fresh id per call. */
  worker?: string;
};

const PAGE_SIZE = 100;
const MAX_RETRIES = 10;
/** A worker renews its lease every page; one that stops renewing for this long is presumed dead. */
export const LEASE_MS = 2 * 60 * 1000;

export const articleIssueId = (slug: string) => `article-${slug}`;

/**
 * Sends an article to every confirmed subscriber of its topics. The email is rendered once;
 * each recipient costs a substitution, a ledger claim, one SES call and a ledger mark.
 * Safe to run again at any time: a recipient already claimed is never sent the article again.
 */
export async function sendArticle(deps: DeliveryDeps, article: Article, options: SendOptions = {}): Promise<SendSummary> {
  const issueId = articleIssueId(article.slug);
  const worker = options.worker ?? randomUUID();
  await deps.issues.begin(issueId, article.slug, deps.clock.now());
  const holdLease = async () => {
    const now = deps.clock.now();
    if (!(await deps.issues.acquireLease(issueId, worker, now, new Date(now.getTime() + LEASE_MS)))) {
      throw new DomainError(ErrorCodes.conflict, `Another worker is sending ${issueId} right now; it resumes by itself if that worker stops.`);
    }
  };
  await holdLease();

  const personalize = preparePersonalization(await deps.renderer.renderArticle(article, deps.publication));
  const audience = { topics: article.topics };
  let total = 0;
  for (let shard = 0; shard < RECIPIENT_SHARDS; shard++) total += await deps.subscribers.countRecipients({ shard, ...audience });

  const summary: SendSummary = { issueId, total, sent: 0, skipped: 0, ambiguous: [], failed: [] };
  options.onProgress?.(summary);
  const concurrency = options.concurrency ?? 4;

  for (let shard = 0; shard < RECIPIENT_SHARDS; shard++) {
    let cursor: string | undefined;
    do {
      await holdLease();
      const page = await deps.subscribers.listRecipients({ shard, ...audience, cursor, limit: PAGE_SIZE });
      await forEachLimited(page.items, concurrency, async (subscriber) => {
        await deliverTo(deps, issueId, article, personalize, subscriber, summary);
        options.onProgress?.(summary);
      });
      cursor = page.cursor;
    } while (cursor);
  }
  await deps.issues.finish(issueId, worker, {
    total: summary.total,
    sent: summary.sent,
    skipped: summary.skipped,
    ambiguous: summary.ambiguous.length,
    failed: summary.failed.length,
  }, deps.clock.now());
  return summary;
}

async function deliverTo(
  deps: DeliveryDeps,
  issueId: string,
  article: Article,
  personalize: Personalize,
  subscriber: Subscriber,
  summary: SendSummary,
) {
  const claim = await deps.ledger.claim(issueId, subscriber.id, deps.clock.now());
  if (claim !== 'claimed') {
    if (claim.status === 'sent') summary.skipped++;
    else summary.ambiguous.push(subscriber.id);
    return;
  }
  const links = readerLinks(deps.publication, deps.signer, subscriber.id);
  const body = personalize({
    ...publicationValues(deps),
    unsubscribe_url: links.unsubscribe,
    preferences_url: links.preferences,
    email: subscriber.email,
  });
  const message = {
    to: subscriber.email,
    subject: article.title,
    ...body,
    headers: listHeaders(deps.publication, links.unsubscribe),
    tags: { kind: 'issue', issue: issueId },
  };
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (let attempt = 0; ; attempt++) {
    try {
      const { messageId } = await deps.mailer.send(message);
      await deps.ledger.markSent(issueId, subscriber.id, messageId, deps.clock.now());
      summary.sent++;
      return;
    } catch (error) {
      if (!(error instanceof MailFailure)) throw error;
      const retryable = error.kind === MailFailureKinds.throttled || error.kind === MailFailureKinds.transient;
      if (retryable && attempt < MAX_RETRIES) {
        // Throttling is SES pacing us, not a failure: back off with jitter and try again.
        await sleep(Math.min(100 * 2 ** attempt, 5_000) * (0.5 + Math.random() / 2));
        continue;
      }
      if (error.kind === MailFailureKinds.unknown) {
        // SES may have accepted it: leave the claim in place so it is never resent.
        summary.ambiguous.push(subscriber.id);
        return;
      }
      // SES certainly did not take it: a failed entry may be claimed again by the next run.
      await deps.ledger.markFailed(issueId, subscriber.id, `${error.kind}: ${error.message}`, deps.clock.now());
      summary.failed.push({ subscriberId: subscriber.id, reason: error.message });
      if (error.kind === MailFailureKinds.accountPaused) throw error;
      return;
    }
  }
}

async function forEachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>) {
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++]!);
  });
  await Promise.all(runners);
}
