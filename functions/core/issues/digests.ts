import { DomainError, ErrorCodes } from '../errors.js';
import type { Article } from '../content/article.js';
import { publishedArticles } from '../content/article.js';
import type { PublicationLog } from '../ports.js';
import { articleDeliveryKey, estimateAudience } from './manage-issues.js';
import type { IssueDeps } from './deps.js';
import type { DigestFrequency, Issue } from './issue.js';
import { startingState } from './sending-hold.js';
import { SEND_SHARDS } from '../subscribers/subscriber.js';
import { assertReaches, digestSegmentCopy } from '../segments/manage.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const periodLength: Record<DigestFrequency, number> = { daily: DAY_MS, weekly: 7 * DAY_MS };

/** The period a firing belongs to: a UTC date for daily digests, an ISO week for weekly ones. */
export function digestPeriod(frequency: DigestFrequency, at: Date): string {
  if (frequency === 'daily') return at.toISOString().slice(0, 10);
  // ISO 8601 week: the week with the year's first Thursday is week 1.
  const date = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()));
  const weekday = date.getUTCDay() || 7;
  date.setUTCDate(date.getUTCDate() + 4 - weekday);
  const yearStart = Date.UTC(date.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((date.getTime() - yearStart) / DAY_MS + 1) / 7);
  return `${date.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

export type DigestDeps = IssueDeps & { publications: PublicationLog };

export type DigestResult =
  | { status: 'started'; issue: Issue }
  | { status: 'already_started'; issue: Issue }
  | { status: 'nothing_new' };

/**
 * Starts this period's digest for one frequency. EventBridge delivers a schedule at least once
 * and the tick catches up a missed one, so the digest's id is its period and creating it is a
 * conditional write: however many firings, one digest per period. It gathers the articles
 * published since the previous digest's cutoff, and carries its own cutoff: creating the digest
 * is the only write, so no crash can leave a digest whose articles the next one repeats. With
 * nothing new, nothing is written or sent.
 *
 * Started by hand (`byHand`: the workspace, the API, the CLI), a digest whose segment reaches no
 * reader of its audience (its articles' topics, its frequency) is refused as an issue's send is
 * (422 naming `segment`, count 0), before it takes the period: the editor is there to be told, and
 * the schedule's digest stays free for readers who join. A schedule's firing is not asked: nobody
 * would read the refusal, and the tick's catch-up would repeat the walk every minute.
 */
export async function startDigest(
  deps: DigestDeps,
  frequency: DigestFrequency,
  firedAt: Date,
  options: { byHand?: boolean } = {},
): Promise<DigestResult> {
  const period = digestPeriod(frequency, firedAt);
  const id = `digest-${frequency}-${period}`;
  const existing = await deps.issues.get(id);
  if (existing) return { status: 'already_started', issue: existing };

  const from = await previousCutoff(deps, frequency, period, firedAt);
  const articles = await articlesPublishedBetween(deps, from, firedAt);
  if (articles.length === 0) return { status: 'nothing_new' };

  const now = deps.clock.now().toISOString();
  const audience = {
    topics: [...new Set(articles.flatMap((a) => a.topics))],
    frequencies: [frequency],
  };
  // A frequency's segment narrows who on it gets the digest (docs/workspace-and-api.md).
  const segment = deps.segments && (await digestSegmentCopy(deps.segments, frequency));
  if (segment && options.byHand) await assertReaches(deps, segment, audience);
  const issue: Issue = {
    id,
    content: {
      kind: 'digest',
      frequency,
      period,
      slugs: articles.map((a) => a.slug),
      cutoff: firedAt.toISOString(),
    },
    subject: digestSubject(frequency, articles),
    audience,
    ...(segment && { segment }),
    ...(await startingState(deps, new Date(now))),
    deliveryKey: id,
    shards: SEND_SHARDS,
    createdAt: now,
    updatedAt: now,
    // No counters' estimate for a segment: they know topics and frequencies only. The workers
    // count its shards exactly, as for an issue that targets one.
    ...(!segment && { total: await estimateAudience(deps, audience), totalEstimated: true }),
    version: 1,
  };
  if (!(await deps.issues.create(issue))) {
    const winner = await deps.issues.get(id);
    if (!winner) throw new DomainError(ErrorCodes.conflict, `Digest ${id} could not be created.`);
    return { status: 'already_started', issue: winner };
  }
  return { status: 'started', issue };
}

/** A digest's schedule as the tick sees it: when it last fired, at or before a moment. */
export type DigestSchedule = {
  frequency: DigestFrequency;
  lastFiring(at: Date): Date | undefined;
};

/**
 * The tick's catch-up: each digest is started for its schedule's latest firing, so a firing that
 * failed, was dropped or fell in an outage still gets its period's digest at the next tick. A
 * period already started costs one read; `startDigest` keeps it to one digest per period.
 */
export async function catchUpDigests(
  deps: DigestDeps,
  schedules: readonly DigestSchedule[],
  at: Date,
): Promise<string[]> {
  const started: string[] = [];
  for (const schedule of schedules) {
    const firedAt = schedule.lastFiring(at);
    if (!firedAt) continue;
    const result = await startDigest(deps, schedule.frequency, firedAt);
    if (result.status === 'started') started.push(result.issue.id);
  }
  return started;
}

/** "Daily digest: <the newest title> and 2 more": also the subject of a reader's part of it. */
export function digestSubject(frequency: DigestFrequency, articles: readonly Article[]): string {
  const label = frequency === 'daily' ? 'Daily' : 'Weekly';
  const more = articles.length > 1 ? ` and ${articles.length - 1} more` : '';
  return `${label} digest: ${articles[0]!.title}${more}`;
}

/**
 * Where this period's articles start: the latest earlier digest's cutoff; for a deployment whose
 * digests predate that, the cutoff it kept apart; for the first digest, one period back.
 */
async function previousCutoff(
  deps: DigestDeps,
  frequency: DigestFrequency,
  period: string,
  firedAt: Date,
): Promise<string> {
  const previous = await deps.issues.latestDigest(frequency, period);
  if (previous?.content.kind === 'digest' && previous.content.cutoff)
    return previous.content.cutoff;
  return (
    (await deps.publications.digestCutoff(frequency)) ??
    new Date(firedAt.getTime() - periodLength[frequency]).toISOString()
  );
}

/**
 * Published articles (by the time they were published here) in (from, to], newest first. An
 * article waiting for approval counts: it is on the site from the moment the tick sees it, and
 * the approval gates only its own issue to "every article" readers, who chose each article as
 * it comes. Digest readers chose a summary of whatever was published in the period, so their
 * digest carries it whether the editor approves it, dismisses it or has not decided yet; and
 * its `publishedAt` stays the moment it went live, so no later decision moves it into a second
 * digest.
 */
async function articlesPublishedBetween(
  deps: DigestDeps,
  from: string,
  to: Date,
): Promise<Article[]> {
  const when = new Map((await deps.publications.published()).map((p) => [p.slug, p.publishedAt]));
  return publishedArticles(await deps.articles.all()).filter((article) => {
    const publishedAt = when.get(article.slug);
    return publishedAt !== undefined && publishedAt > from && publishedAt <= to.toISOString();
  });
}

/** The id of an article's own issue to "every article" readers. */
export const publishIssueId = (slug: string) => `publish-${slug}`;

/** Who an article's own issue goes to: readers of its topics who chose "every article". */
export const publishAudience = (article: Pick<Article, 'topics'>) => ({
  topics: [...article.topics],
  frequencies: ['immediate' as const],
});

/**
 * An article's own issue to "every article" readers, started: `publish-<slug>`, its ledger key
 * the article's, so the tick and an editor's approval racing create it once (the create is
 * conditional on the id) and a reader who got the article from the editor's send is skipped.
 * Answers the issue as stored, whoever created it.
 */
export async function startPublishIssue(
  deps: IssueDeps,
  article: Article,
): Promise<{ issue: Issue; created: boolean }> {
  const at = deps.clock.now().toISOString();
  const audience = publishAudience(article);
  const issue: Issue = {
    id: publishIssueId(article.slug),
    content: { kind: 'article', slug: article.slug },
    subject: article.title,
    audience,
    ...(await startingState(deps, new Date(at))),
    deliveryKey: articleDeliveryKey(article.slug),
    shards: SEND_SHARDS,
    createdAt: at,
    updatedAt: at,
    total: await estimateAudience(deps, audience),
    totalEstimated: true,
    version: 1,
  };
  if (await deps.issues.create(issue)) return { issue, created: true };
  const existing = await deps.issues.get(issue.id);
  if (!existing)
    throw new DomainError(ErrorCodes.conflict, `Issue ${issue.id} could not be created.`);
  return { issue: existing, created: false };
}

/**
 * Publishes new articles: each article in content/ that was not there before is recorded as
 * published (for the digests) the first time the tick sees it live. By default its own issue to
 * "every article" readers waits for an editor's approval in the workspace (approvals.ts): a file
 * saved in content/ must not reach readers before anyone has looked at it. An article whose front
 * matter says `sendWhenPublished: true` is started at once, as its own issue. The articles present
 * when the service first ran are its baseline and are neither mailed nor listed (an editor sends
 * those with `npm run send`).
 */
export async function publishNewArticles(deps: DigestDeps): Promise<Issue[]> {
  const now = deps.clock.now();
  const live = publishedArticles(await deps.articles.all()).filter(
    (a) => a.date.getTime() <= now.getTime(),
  );
  const baseline = new Set(
    await deps.publications.baseline(
      live.map((a) => a.slug),
      now,
    ),
  );
  const started: Issue[] = [];
  for (const article of live) {
    if (baseline.has(article.slug)) continue;
    const waiting = !article.sendWhenPublished;
    if (!(await deps.publications.markPublished(article.slug, now, { waiting }))) continue;
    if (waiting) continue;
    const { issue, created } = await startPublishIssue(deps, article);
    if (created) started.push(issue);
  }
  return started;
}
