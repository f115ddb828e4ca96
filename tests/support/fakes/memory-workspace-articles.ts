import type {
  ArticleRevision,
  RevisionSummary,
  WorkspaceArticle,
} from '../../../functions/core/articles/article.js';
import type { WorkspaceArticleStore } from '../../../functions/core/articles/ports.js';

/** Workspace articles and their revisions in Maps, under the adapter's locking; held to the contract. */
export class MemoryWorkspaceArticleStore implements WorkspaceArticleStore {
  readonly articles = new Map<string, WorkspaceArticle>();
  readonly history = new Map<string, ArticleRevision[]>();

  async get(slug: string) {
    const article = this.articles.get(slug);
    return article && structuredClone(article);
  }

  async list() {
    return [...this.articles.values()].map((a) => structuredClone(a));
  }

  async save(article: WorkspaceArticle, revision: ArticleRevision) {
    if ((this.articles.get(article.slug)?.version ?? 0) !== article.version - 1) return false;
    this.articles.set(article.slug, structuredClone(article));
    this.history.set(article.slug, [
      ...(this.history.get(article.slug) ?? []),
      structuredClone(revision),
    ]);
    return true;
  }

  async revisions(slug: string): Promise<RevisionSummary[]> {
    return (this.history.get(slug) ?? [])
      .map(({ source: _source, ...summary }) => structuredClone(summary))
      .reverse();
  }

  async revision(slug: string, number: number) {
    const revision = this.history.get(slug)?.find((r) => r.number === number);
    return revision && structuredClone(revision);
  }
}
