/**
 * An article written in the workspace, stored in the table beside the `content/` files. Its
 * `source` is exactly what a `content/<slug>.md` file holds (YAML front matter and markdown), so
 * one parser (`parseArticle`) validates files, the admin API and the workspace alike, and an
 * article can move from the workspace into `content/` (or back) by copying its text.
 */
export const ArticleStates = ['draft', 'scheduled', 'published', 'unpublished'] as const;
export type ArticleState = (typeof ArticleStates)[number];

export type WorkspaceArticle = {
  /** Its address (`/articles/<slug>`): set at creation and never changed, there is no rename. */
  slug: string;
  source: string;
  state: ArticleState;
  /** ISO: when a scheduled article becomes visible. */
  publishAt?: string;
  /** ISO: when readers could first see it (the first publish, or the schedule it came due on). */
  firstPublishedAt?: string;
  /** Every save adds one; it is also the number of the revision that save kept. */
  version: number;
  createdAt: string;
  updatedAt: string;
  /** The editor's email. */
  updatedBy: string;
};

/** One save of an article, as it was: the history an editor can read and restore from. */
export type ArticleRevision = {
  slug: string;
  /** The article's version this save made (1 for its creation). */
  number: number;
  source: string;
  state: ArticleState;
  publishAt?: string;
  at: string;
  /** The editor's email. */
  by: string;
  /** A short summary for people: "created", "title, summary; body +3 −1 lines", "published". */
  change: string;
};

/** A revision without its text: what a history list shows. */
export type RevisionSummary = Omit<ArticleRevision, 'source'>;

/** The revision a save of `article` keeps. */
export const revisionOf = (article: WorkspaceArticle, change: string): ArticleRevision => ({
  slug: article.slug,
  number: article.version,
  source: article.source,
  state: article.state,
  ...(article.publishAt && { publishAt: article.publishAt }),
  at: article.updatedAt,
  by: article.updatedBy,
  change,
});

/**
 * What readers see of it at `now`: a scheduled article whose time has come is published, though
 * nothing rewrote its record (the catalog reads `publishAt`; no job has to run for it to appear).
 */
export function effectiveState(article: Pick<WorkspaceArticle, 'state' | 'publishAt'>, now: Date) {
  if (
    article.state === 'scheduled' &&
    article.publishAt &&
    Date.parse(article.publishAt) <= now.getTime()
  )
    return 'published';
  return article.state;
}

export const isVisible = (article: WorkspaceArticle, now: Date) =>
  effectiveState(article, now) === 'published';
