import { DomainError, ErrorCodes } from '../errors.js';
import type { Article } from '../content/article.js';
import { publishedArticles } from '../content/article.js';
import type { PublicationLog } from '../ports.js';
import { countAudience } from './manage-issues.js';
import type { IssueDeps } from './deps.js';
import type { DigestFrequency, Issue } from './issue.js';

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
 * Starts this period's digest for one frequency. EventBridge delivers a schedule at least once,
 * so the digest's id is its period, and creating it is a conditional write: however many firings,
 * one digest per period. It gathers the articles published since the previous digest's cutoff;
 * with nothing new, nothing is sent.
 */
export async function startDigest(
  deps: DigestDeps,
  frequency: DigestFrequency,
  firedAt: Date,
): Promise<DigestResult> {
  const period = digestPeriod(frequency, firedAt);
  const id = `digest-${frequency}-${period}`;
  const existing = await deps.issues.get(id);
  if (existing) return { status: 'already_started', issue: existing };

  const cutoff =
    (await deps.publications.digestCutoff(frequency)) ??
    new Date(firedAt.getTime() - periodLength[frequency]).toISOString();
  const articles = await articlesPublishedBetween(deps, cutoff, firedAt);
  if (articles.length === 0) return { status: 'nothing_new' };

  const now = deps.clock.now().toISOString();
  const label = frequency === 'daily' ? 'Daily' : 'Weekly';
  const audience = {
    topics: [...new Set(articles.flatMap((a) => a.topics))],
    frequencies: [frequency],
  };
  const issue: Issue = {
    id,
    content: { kind: 'digest', frequency, period, slugs: articles.map((a) => a.slug) },
    subject: `${label} digest: ${articles[0]!.title}${articles.length > 1 ? ` and ${articles.length - 1} more` : ''}`,
    audience,
    state: 'sending',
    deliveryKey: id,
    createdAt: now,
    updatedAt: now,
    startedAt: now,
    total: await countAudience(deps, audience),
    version: 1,
  };
  if (!(await deps.issues.create(issue))) {
    const winner = await deps.issues.get(id);
    if (!winner) throw new DomainError(ErrorCodes.conflict, `Digest ${id} could not be created.`);
    return { status: 'already_started', issue: winner };
  }
  await deps.publications.advanceDigestCutoff(frequency, firedAt.toISOString());
  return { status: 'started', issue };
}

/** Published articles (by the time they were published here) in (from, to], newest first. */
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

/**
 * Publishes new articles to readers who chose "every article": each article in content/ that was
 * not there before becomes its own issue, once. The articles present when the service first ran
 * are its baseline and are not mailed (an editor sends those with `npm run send`).
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
    if (!(await deps.publications.markPublished(article.slug, now))) continue;
    const at = now.toISOString();
    const audience = { topics: article.topics, frequencies: ['immediate' as const] };
    const issue: Issue = {
      id: `publish-${article.slug}`,
      content: { kind: 'article', slug: article.slug },
      subject: article.title,
      audience,
      state: 'sending',
      deliveryKey: `article:${article.slug}`,
      createdAt: at,
      updatedAt: at,
      startedAt: at,
      total: await countAudience(deps, audience),
      version: 1,
    };
    if (await deps.issues.create(issue)) started.push(issue);
  }
  return started;
}
