import type { Clock } from '../clock.js';
import type { Article } from '../content/article.js';
import { DomainError, ErrorCodes, invalidInput } from '../errors.js';
import {
  effectiveState,
  revisionOf,
  type ArticleRevision,
  type RevisionSummary,
  type WorkspaceArticle,
} from './article.js';
import { describeSourceChange } from './changes.js';
import type { WorkspaceArticleStore } from './ports.js';
import { slugIssues, validateSource, type ValidationDeps } from './validate.js';

export type ArticleDeps = ValidationDeps & {
  workspaceArticles: WorkspaceArticleStore;
  /** The `content/` files alone: their slugs are theirs (docs/content-and-email.md). */
  contentArticles: { bySlug(slug: string): Promise<Article | undefined> };
  clock: Clock;
};

export const noSuchArticle = () => new DomainError(ErrorCodes.notFound, 'No such article.');

export async function getArticle(deps: Pick<ArticleDeps, 'workspaceArticles'>, slug: string) {
  const article =
    slugIssues(slug).length === 0 ? await deps.workspaceArticles.get(slug) : undefined;
  if (!article) throw noSuchArticle();
  return article;
}

/** Most recently changed first, for the workspace's list. */
export async function listArticles(deps: Pick<ArticleDeps, 'workspaceArticles'>) {
  return (await deps.workspaceArticles.list()).sort((a, b) =>
    b.updatedAt.localeCompare(a.updatedAt),
  );
}

/** A new draft. Its slug is refused (422, `slug`) if a `content/` file or another article has it. */
export async function createArticle(
  deps: ArticleDeps,
  input: { slug: string; source: string; by: string },
): Promise<WorkspaceArticle> {
  validateSource(deps, input.slug, input.source);
  const taken = (message: string) => invalidInput([{ field: 'slug', message }]);
  if (await deps.contentArticles.bySlug(input.slug))
    throw taken('is a content/ file’s: pick another (files keep their slugs)');
  const at = deps.clock.now().toISOString();
  const article: WorkspaceArticle = {
    slug: input.slug,
    source: input.source,
    state: 'draft',
    version: 1,
    createdAt: at,
    updatedAt: at,
    updatedBy: input.by,
  };
  if (!(await deps.workspaceArticles.save(article, revisionOf(article, 'created'))))
    throw taken('is another workspace article’s: pick another');
  return article;
}

type Change = { slug: string; by: string; version?: number };

/**
 * Reads the article, lets `change` make the next one (or return undefined: nothing to do), and
 * saves it with its revision. With `version` (what the editor read) a newer article is a 409, not
 * overwritten; without it, a lost race is retried on the fresh record.
 */
async function changeArticle(
  deps: ArticleDeps,
  { slug, by, version }: Change,
  change: (
    current: WorkspaceArticle,
    now: Date,
  ) => { next: Partial<WorkspaceArticle>; change: string } | undefined,
): Promise<WorkspaceArticle> {
  for (let attempt = 0; attempt < 4; attempt++) {
    const stored = await getArticle(deps, slug);
    if (version !== undefined && version !== stored.version)
      throw new DomainError(
        ErrorCodes.conflict,
        `Article ${slug} changed since you read it (version ${version}, now ${stored.version}). Nothing was changed.`,
      );
    const now = deps.clock.now();
    const current = comeDue(stored, now);
    const made = change(current, now);
    if (!made) return stored;
    const next: WorkspaceArticle = {
      ...current,
      ...made.next,
      version: stored.version + 1,
      updatedAt: now.toISOString(),
      updatedBy: by,
    };
    if (next.state !== 'scheduled') delete next.publishAt;
    if (await deps.workspaceArticles.save(next, revisionOf(next, made.change))) return next;
  }
  throw new DomainError(ErrorCodes.conflict, `Article ${slug} is changing too fast; try again.`);
}

/** A scheduled article past its time is published: its next save records that. */
function comeDue(article: WorkspaceArticle, now: Date): WorkspaceArticle {
  if (article.state !== 'scheduled' || effectiveState(article, now) !== 'published') return article;
  const { publishAt, ...rest } = article;
  return { ...rest, state: 'published', firstPublishedAt: article.firstPublishedAt ?? publishAt };
}

const isLive = (a: WorkspaceArticle) => a.state === 'published' || a.state === 'scheduled';

/**
 * New text, in whatever state the article is: a published one is corrected in place (its web
 * page and feeds change; mail already sent does not, issues keep the email they rendered).
 * `version` is required: an edit is always made from what the editor read.
 */
export async function updateArticle(
  deps: ArticleDeps,
  input: { slug: string; source: string; version: number; by: string },
): Promise<WorkspaceArticle> {
  const existing = await getArticle(deps, input.slug);
  validateSource(deps, input.slug, input.source, { published: isLive(existing) });
  return changeArticle(deps, input, (current) => {
    if (current.source === input.source) return undefined;
    return {
      next: { source: input.source },
      change: describeSourceChange(current.source, input.source),
    };
  });
}

/** Visible to readers now; the tick mails it if its front matter says `sendWhenPublished`. */
export async function publishArticle(deps: ArticleDeps, input: Change) {
  return changeArticle(deps, input, (current, now) => {
    if (current.state === 'published') return undefined;
    validateSource(deps, current.slug, current.source, { published: true });
    return {
      next: { state: 'published', firstPublishedAt: current.firstPublishedAt ?? now.toISOString() },
      change: 'published',
    };
  });
}

/** Off the archive and the feeds (and out of digests not yet sent); its slug stays reserved. */
export async function unpublishArticle(deps: ArticleDeps, input: Change) {
  return changeArticle(deps, input, (current) => {
    if (current.state === 'unpublished') return undefined;
    if (current.state === 'draft')
      throw new DomainError(ErrorCodes.conflict, `Article ${current.slug} is not published.`);
    return { next: { state: 'unpublished' }, change: 'unpublished' };
  });
}

/** Visible from `publishAt` (ISO, in the future) with no one at the keyboard. */
export async function scheduleArticle(deps: ArticleDeps, input: Change & { publishAt: string }) {
  const at = Date.parse(input.publishAt);
  if (Number.isNaN(at) || !/^\d{4}-\d\d-\d\dT/.test(input.publishAt))
    throw invalidInput([{ field: 'publishAt', message: 'must be a date and time (ISO 8601)' }]);
  if (at <= deps.clock.now().getTime())
    throw invalidInput([
      { field: 'publishAt', message: 'must be in the future: publish it now instead' },
    ]);
  const publishAt = new Date(at).toISOString();
  return changeArticle(deps, input, (current) => {
    if (current.state === 'published')
      throw new DomainError(
        ErrorCodes.conflict,
        `Article ${current.slug} is already published: unpublish it first to schedule it.`,
      );
    validateSource(deps, current.slug, current.source, { published: true });
    return { next: { state: 'scheduled', publishAt }, change: `scheduled for ${publishAt}` };
  });
}

/** The history, newest first (revision N is the save that made version N). */
export async function listRevisions(
  deps: Pick<ArticleDeps, 'workspaceArticles'>,
  slug: string,
): Promise<RevisionSummary[]> {
  await getArticle(deps, slug);
  return deps.workspaceArticles.revisions(slug);
}

export async function getRevision(
  deps: Pick<ArticleDeps, 'workspaceArticles'>,
  slug: string,
  number: number,
): Promise<ArticleRevision> {
  const revision =
    Number.isSafeInteger(number) && number > 0 && slugIssues(slug).length === 0
      ? await deps.workspaceArticles.revision(slug, number)
      : undefined;
  if (!revision) throw new DomainError(ErrorCodes.notFound, 'No such revision.');
  return revision;
}

/**
 * An earlier text back, as a new revision (the history only grows). The state is kept: restoring
 * into a published article publishes that text, so it must pass validation as published.
 */
export async function restoreRevision(
  deps: ArticleDeps,
  input: Change & { number: number },
): Promise<WorkspaceArticle> {
  const revision = await getRevision(deps, input.slug, input.number);
  const existing = await getArticle(deps, input.slug);
  validateSource(deps, input.slug, revision.source, { published: isLive(existing) });
  return changeArticle(deps, input, (current) => {
    if (current.source === revision.source) return undefined;
    const diff = describeSourceChange(current.source, revision.source);
    return {
      next: { source: revision.source },
      change: `restored revision ${revision.number} (${diff})`,
    };
  });
}
