import type { ArticleSource } from './catalog.js';
import type { WorkspaceArticle } from './article.js';
import type { WorkspaceArticleStore } from './ports.js';

export type SlugCollision = Pick<WorkspaceArticle, 'slug' | 'state' | 'updatedBy' | 'updatedAt'>;

/**
 * Workspace articles (in any state) whose slug a `content/` file also has. Creating one is refused,
 * so each is a file added after the article: the file is served and the article hidden
 * (catalog.ts), which nobody should learn from a reader. The deploy's check (cli/check-slugs.ts,
 * the first step of `npm run deploy`) fails on any.
 */
export async function slugCollisions(deps: {
  workspaceArticles: Pick<WorkspaceArticleStore, 'list'>;
  contentArticles: Pick<ArticleSource, 'all'>;
}): Promise<SlugCollision[]> {
  const [files, stored] = await Promise.all([
    deps.contentArticles.all(),
    deps.workspaceArticles.list(),
  ]);
  const fileSlugs = new Set(files.map((a) => a.slug));
  return stored
    .filter((a) => fileSlugs.has(a.slug))
    .map(({ slug, state, updatedBy, updatedAt }) => ({ slug, state, updatedBy, updatedAt }));
}

/** What the check prints: each slug, and the two ways out. */
export const collisionMessage = (collisions: readonly SlugCollision[]) =>
  [
    `${collisions.length} content/ file(s) take the slug of a workspace article; the file is served and the article hidden:`,
    ...collisions.map(
      (c) =>
        `  content/${c.slug}.md vs the workspace article ${c.slug} (${c.state}, last saved by ${c.updatedBy} at ${c.updatedAt})`,
    ),
    'Rename the file (a published workspace article keeps its address), or, if the file is meant to replace it, unpublish the workspace article and keep the file. See docs/content-and-email.md.',
  ].join('\n');
