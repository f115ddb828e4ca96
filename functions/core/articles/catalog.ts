import type { Clock } from '../clock.js';
import type { Article } from '../content/article.js';
import { parseArticle } from '../content/article.js';
import type { Publication } from '../publication.js';
import { isVisible, type WorkspaceArticle } from './article.js';
import type { WorkspaceArticleStore } from './ports.js';

/** The catalog's shape, as every reader of articles uses it (the archive, feeds, issues, digests). */
export type ArticleSource = {
  all(): Promise<Article[]>;
  bySlug(slug: string): Promise<Article | undefined>;
};

/**
 * How long the workspace's articles are trusted before the table is read again: a page view is
 * not a Query each time, and an article an editor publishes shows up within this on every
 * instance, without a restart (the files' catalog re-checks its folder as often).
 */
export const WORKSPACE_RECHECK_MS = 2_000;

export type CatalogOptions = {
  clock: Clock;
  publication: Pick<Publication, 'topics' | 'fields' | 'contentImages'>;
  /** A stored article that no longer parses (a topic retired since), left out of the catalog. */
  onInvalid?: (slug: string, error: unknown) => void;
  /** A workspace article hidden because a `content/` file has its slug. */
  onCollision?: (slug: string) => void;
  recheckMs?: number;
};

/**
 * The `content/` files and the workspace's visible articles (published, or scheduled and due) as
 * one catalog. Drafts and unpublished articles are not in it at all: what is in it is what readers
 * may see, so the archive, the feeds, the approvals the tick records and the digests need no
 * change. A file wins a slug: a workspace article whose slug a file took later is hidden (and
 * `collisions()` names it, for the check in docs/content-and-email.md).
 */
export function combinedCatalog(
  files: ArticleSource,
  store: Pick<WorkspaceArticleStore, 'list'>,
  options: CatalogOptions,
) {
  const recheckMs = options.recheckMs ?? WORKSPACE_RECHECK_MS;
  let cached: { at: number; records: WorkspaceArticle[] } | undefined;
  let reading: Promise<WorkspaceArticle[]> | undefined;
  // Parsed once per saved version: a body is rendered once however often the list is re-read.
  const parsed = new Map<string, { version: number; article: Article | undefined }>();

  const records = async () => {
    if (cached && Date.now() - cached.at < recheckMs) return cached.records;
    reading ??= store
      .list()
      .then((list) => (cached = { at: Date.now(), records: list }).records)
      // The table unavailable for a moment: the last list read, rather than no archive at all.
      .catch((error) => {
        if (cached) return cached.records;
        throw error;
      })
      .finally(() => (reading = undefined));
    return reading;
  };

  const articleOf = (record: WorkspaceArticle) => {
    const known = parsed.get(record.slug);
    if (known?.version === record.version) return known.article;
    let article: Article | undefined;
    try {
      article = parseArticle(
        `${record.slug}.md`,
        record.source,
        options.publication.topics,
        options.publication.fields,
        options.publication.contentImages,
      );
      // The state decides, not the front matter (publishing refuses `draft: true` anyway).
      article.draft = false;
    } catch (error) {
      options.onInvalid?.(record.slug, error);
    }
    parsed.set(record.slug, { version: record.version, article });
    return article;
  };

  const all = async () => {
    const [fileArticles, stored] = await Promise.all([files.all(), records()]);
    const fileSlugs = new Set(fileArticles.map((a) => a.slug));
    const now = options.clock.now();
    const visible: Article[] = [];
    for (const record of stored) {
      if (!isVisible(record, now)) continue;
      if (fileSlugs.has(record.slug)) {
        options.onCollision?.(record.slug);
        continue;
      }
      const article = articleOf(record);
      if (article) visible.push(article);
    }
    return [...fileArticles, ...visible];
  };

  return {
    all,
    async bySlug(slug: string) {
      return (await files.bySlug(slug)) ?? (await all()).find((a) => a.slug === slug);
    },
    /** Slugs both a `content/` file and a workspace article (in any state) have. */
    async collisions() {
      const [fileArticles, stored] = await Promise.all([files.all(), records()]);
      const fileSlugs = new Set(fileArticles.map((a) => a.slug));
      return stored.map((r) => r.slug).filter((slug) => fileSlugs.has(slug));
    },
  };
}
export type CombinedCatalog = ReturnType<typeof combinedCatalog>;
