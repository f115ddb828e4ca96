import { Hono } from 'hono';
import { publishedArticles } from '../../../core/content/article.js';
import { draftFor, previewIssue } from '../../../core/issues/preview.js';
import type { AdminDeps } from '../deps.js';
import { ArticleList, ArticlePreview } from '../pages/articles.js';
import { page, type WorkspaceEnv } from './page.js';

export const articleRoutes = (deps: AdminDeps) =>
  new Hono<WorkspaceEnv>()
    .get('/', async (c) =>
      page(c, 'Articles', <ArticleList articles={publishedArticles(await deps.articles.all())} />),
    )
    .get('/:slug', async (c) => {
      const article = await deps.articles.bySlug(c.req.param('slug'));
      if (!article) return page(c, 'Not found', <p>No such article.</p>, 404);
      const preview = await previewIssue(deps, draftFor(article));
      return page(
        c,
        `Preview: ${article.title}`,
        <ArticlePreview article={article} preview={preview} csrf={c.get('session').csrf} />,
      );
    });
