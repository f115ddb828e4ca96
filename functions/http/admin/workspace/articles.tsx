import { Hono } from 'hono';
import { listArticles } from '../../../core/articles/manage.js';
import { publishedArticles } from '../../../core/content/article.js';
import { articleApprovals } from '../../../core/issues/approvals.js';
import { draftFor, previewIssue } from '../../../core/issues/preview.js';
import type { AdminDeps } from '../deps.js';
import { DecidedArticles, WaitingArticles } from '../pages/approvals.js';
import { ArticleList, ArticlePreview, WorkspaceArticleList } from '../pages/articles.js';
import { formOf } from './article-form.js';
import { approvalSays } from './approvals.js';
import { noticeOf, page, type WorkspaceEnv } from './page.js';

export const articleRoutes = (deps: AdminDeps) =>
  new Hono<WorkspaceEnv>()
    .get('/', async (c) => {
      const { waiting, decided } = await articleApprovals(deps);
      const rows = waiting.map((w) => ({
        slug: w.article.slug,
        title: w.article.title,
        publishedAt: w.publishedAt,
        says: approvalSays(deps, w),
      }));
      const notice = noticeOf(c);
      const written = (await listArticles(deps)).map((a) => ({
        ...a,
        title: formOf(a.slug, a.source).title || a.slug,
      }));
      return page(
        c,
        'Articles',
        <>
          {notice ? (
            <p class="notice" role="status">
              {notice}
            </p>
          ) : null}
          <WaitingArticles rows={rows} csrf={c.get('session').csrf} />
          <DecidedArticles decided={decided} csrf={c.get('session').csrf} />
          <h2>Written in the workspace</h2>
          <WorkspaceArticleList articles={written} canEdit={c.get('key').role === 'editor'} />
          <h2>All articles</h2>
          <ArticleList
            articles={publishedArticles(await deps.articles.all())}
            written={new Set(written.map((a) => a.slug))}
          />
        </>,
      );
    })
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
