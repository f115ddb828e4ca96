/*
 * Approval of new articles. The tick records each new article in content/ as published (the
 * digests carry it from then on) and, unless its front matter says `sendWhenPublished: true`, as
 * waiting: its own issue to "every article" readers is created only when an editor approves it.
 * "Don't send" dismisses it: it is never mailed as its own issue, and is listed no more.
 */
import type { Article } from '../content/article.js';
import { DomainError, ErrorCodes } from '../errors.js';
import type { PublishedArticle } from '../ports.js';
import { type DigestDeps, publishAudience, publishIssueId, startPublishIssue } from './digests.js';
import type { Audience, Issue } from './issue.js';
import { estimateAudience } from './manage-issues.js';

/** An article waiting for approval, with who approving would mail and about how many. */
export type WaitingArticle = {
  article: Article;
  publishedAt: string;
  audience: Audience;
  /** The dashboard counters' estimate (one read each): the send workers count exactly. */
  about: number;
};

/**
 * An editor's decision, newest first on the articles page: who, when, and what it did. `started`
 * is false for an approval whose run died before its issue was created: approving it again
 * starts it (see `approveArticle`), so the workspace offers that.
 */
export type DecidedArticle = PublishedArticle & {
  approval: 'approved' | 'dismissed';
  title: string;
  started?: boolean;
};

/** How many decisions the workspace shows: the recent ones, not the whole history. */
const RECENT_DECISIONS = 20;

const waitingOf = async (
  deps: DigestDeps,
  article: Article,
  publishedAt: string,
): Promise<WaitingArticle> => {
  const audience = publishAudience(article);
  return { article, publishedAt, audience, about: await estimateAudience(deps, audience) };
};

const issueExists = async (deps: DigestDeps, slug: string) =>
  (await deps.issues.get(publishIssueId(slug))) !== undefined;

/** The publication log's records, and the live articles by slug: two reads, whatever follows. */
async function readRecords(deps: DigestDeps) {
  const [records, articles] = await Promise.all([
    deps.publications.published(),
    deps.articles.all(),
  ]);
  const bySlug = new Map(articles.filter((a) => !a.draft).map((a) => [a.slug, a]));
  return { records, bySlug };
}

/**
 * The slugs waiting, oldest first (the longest waiting comes first). An article whose file went
 * away (or back to draft) while it waited cannot be sent, so it is not listed.
 */
const waitingIn = ({ records, bySlug }: Awaited<ReturnType<typeof readRecords>>) =>
  records
    .filter((r) => r.approval === 'waiting' && bySlug.has(r.slug))
    .sort((a, b) => a.publishedAt.localeCompare(b.publishedAt))
    .map((r) => ({ article: bySlug.get(r.slug)!, publishedAt: r.publishedAt }));

/** How many articles wait: the dashboard's notice (no estimate, no issue read). */
export const waitingCount = async (deps: DigestDeps) => waitingIn(await readRecords(deps)).length;

/** What waits, each with whom approving mails, and the latest decisions. */
export async function articleApprovals(
  deps: DigestDeps,
): Promise<{ waiting: WaitingArticle[]; decided: DecidedArticle[] }> {
  const read = await readRecords(deps);
  const waiting: WaitingArticle[] = [];
  for (const w of waitingIn(read)) waiting.push(await waitingOf(deps, w.article, w.publishedAt));
  const recent = read.records
    .filter((r): r is DecidedArticle => r.approval === 'approved' || r.approval === 'dismissed')
    .sort((a, b) => (b.decidedAt ?? '').localeCompare(a.decidedAt ?? ''))
    .slice(0, RECENT_DECISIONS);
  // One read per recent approval (at most 20): whether its issue exists.
  const decided = await Promise.all(
    recent.map(async (r) => ({
      ...r,
      title: read.bySlug.get(r.slug)?.title ?? r.slug,
      ...(r.approval === 'approved' ? { started: await issueExists(deps, r.slug) } : {}),
    })),
  );
  return { waiting, decided };
}

/**
 * The article an editor may approve now, with whom it would mail: one waiting, or one approved
 * whose issue was never created. Anything else is not (or no longer) to be approved: a 404.
 */
export async function approvable(deps: DigestDeps, slug: string): Promise<WaitingArticle> {
  assertPossibleSlug(slug);
  const [record, article] = await Promise.all([
    deps.publications.publishedArticle(slug),
    deps.articles.bySlug(slug),
  ]);
  const unstarted = record?.approval === 'approved' && !(await issueExists(deps, slug));
  if (!record || !article || article.draft || (record.approval !== 'waiting' && !unstarted))
    throw new DomainError(ErrorCodes.notFound, `“${slug}” is not waiting for approval.`);
  return waitingOf(deps, article, record.publishedAt);
}

/**
 * Approves an article waiting for approval: records who and when, then creates and starts its
 * issue `publish-<slug>`. Idempotent: approving it again (a double click, a retried request, a
 * second editor) records nothing more and answers the same issue, and a run that died between
 * the two writes is completed by the next approval. The issue's create is conditional on its id
 * and its ledger key is the article's, so however the approvals and the tick interleave, nobody
 * is mailed twice. `decided` is true for the one call whose decision was recorded.
 */
export async function approveArticle(
  deps: DigestDeps,
  slug: string,
  by: string,
): Promise<{ issue: Issue; decided: boolean }> {
  assertPossibleSlug(slug);
  const article = await deps.articles.bySlug(slug);
  if (!article || article.draft)
    throw new DomainError(ErrorCodes.notFound, `No published article "${slug}".`);
  let record = await recordOf(deps, slug);
  let decided = false;
  if (record.approval === 'waiting') {
    decided = await deps.publications.decide(slug, 'approved', by, deps.clock.now());
    if (!decided) record = await recordOf(deps, slug);
  }
  if (record.approval === 'dismissed')
    throw new DomainError(
      ErrorCodes.conflict,
      `“${article.title}” is not to be sent: ${record.decidedBy} chose not to send it (${record.decidedAt}). Create an issue from its preview to send it anyway.`,
    );
  const { issue } = await startPublishIssue(deps, article);
  return { issue, decided };
}

/**
 * "Don't send": the article is never mailed as its own issue and is listed no more; it stays on
 * the site and in the digests. Dismissing it again changes nothing; an approved one is refused
 * (its issue is sending: cancel that instead).
 */
export async function dismissArticle(
  deps: DigestDeps,
  slug: string,
  by: string,
): Promise<PublishedArticle> {
  const record = await recordOf(deps, slug);
  if (record.approval === 'waiting')
    await deps.publications.decide(slug, 'dismissed', by, deps.clock.now());
  const now = await recordOf(deps, slug);
  if (now.approval === 'dismissed') return now;
  throw new DomainError(
    ErrorCodes.conflict,
    `“${slug}” was approved by ${now.decidedBy} (${now.decidedAt}): its issue publish-${slug} is the place to pause or cancel it.`,
  );
}

/** The article's approval record; an article that never waited for one cannot be decided. */
async function recordOf(deps: DigestDeps, slug: string) {
  assertPossibleSlug(slug);
  const record = await deps.publications.publishedArticle(slug);
  if (!record) throw new DomainError(ErrorCodes.notFound, `“${slug}” is not waiting for approval.`);
  if (!record.approval)
    throw new DomainError(
      ErrorCodes.conflict,
      `“${slug}” was mailed to "every article" readers when it was published: there is nothing to approve.`,
    );
  return record as PublishedArticle & { approval: NonNullable<PublishedArticle['approval']> };
}

/**
 * Every article's slug fits this (content/'s file names); anything else cannot exist, so it is
 * not looked up: a 5,000-character slug from a URL would reach DynamoDB as a key over its size
 * limit and fail as a 500 (the workspace fuzzer found it).
 */
function assertPossibleSlug(slug: string) {
  if (!/^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(slug) || slug.length > 200)
    throw new DomainError(ErrorCodes.notFound, `No published article "${slug.slice(0, 80)}".`);
}
