import type { ArticleRevision, RevisionSummary, WorkspaceArticle } from './article.js';

/**
 * Workspace articles and their history. Few (hundreds at most) and small (a source is capped at
 * MAX_SOURCE_BYTES), so they are listed whole; every save is conditional on the version read, so
 * two editors' saves never overwrite one another, and keeps the revision that save made.
 */
export interface WorkspaceArticleStore {
  get(slug: string): Promise<WorkspaceArticle | undefined>;
  list(): Promise<WorkspaceArticle[]>;
  /**
   * Writes `article` and `revision` (its `number` is `article.version`). False when the stored
   * version is not `article.version - 1`; for version 1, when an article of that slug exists.
   */
  save(article: WorkspaceArticle, revision: ArticleRevision): Promise<boolean>;
  /** Newest first, without their text. */
  revisions(slug: string): Promise<RevisionSummary[]>;
  revision(slug: string, number: number): Promise<ArticleRevision | undefined>;
}
