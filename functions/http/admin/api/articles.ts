import { createRoute, z } from '@hono/zod-openapi';
import { workspaceArticleAsIs } from '../../../core/articles/manage.js';
import { publishedArticles } from '../../../core/content/article.js';
import { DomainError, ErrorCodes } from '../../../core/errors.js';
import { previewArticleEmail } from '../../../core/articles/preview.js';
import type { AdminDeps } from '../deps.js';
import { apiApp } from './context.js';
import { errors } from './schemas.js';

const PreviewSchema = z
  .object({ subject: z.string(), html: z.string(), text: z.string() })
  .openapi('Preview');

/** Published articles, and each as its email. */
export function articlesApi(deps: AdminDeps) {
  const api = apiApp();
  api.openapi(
    createRoute({
      method: 'get',
      path: '/articles',
      summary: 'Published articles',
      security: [{ bearer: [] }],
      responses: {
        200: {
          description: 'Articles',
          content: {
            'application/json': {
              schema: z.object({
                articles: z.array(
                  z.object({
                    slug: z.string(),
                    title: z.string(),
                    date: z.string(),
                    topics: z.array(z.string()),
                  }),
                ),
              }),
            },
          },
        },
        401: errors[401],
      },
    }),
    async (c) =>
      c.json(
        {
          articles: publishedArticles(await deps.articles.all()).map((a) => ({
            slug: a.slug,
            title: a.title,
            date: a.date.toISOString(),
            topics: a.topics,
          })),
        },
        200,
      ),
  );
  api.openapi(
    createRoute({
      method: 'get',
      path: '/articles/{slug}/preview',
      summary: 'An article as its email: subject, HTML and text (a workspace draft too)',
      security: [{ bearer: [] }],
      request: {
        params: z.object({ slug: z.string().openapi({ param: { name: 'slug', in: 'path' } }) }),
      },
      responses: {
        200: {
          description: 'The email',
          content: { 'application/json': { schema: PreviewSchema } },
        },
        401: errors[401],
        404: errors[404],
      },
    }),
    async (c) => {
      const { slug } = c.req.valid('param');
      // A workspace draft (or an unpublished article) is previewed too: that is when it matters.
      const article =
        (await deps.articles.bySlug(slug)) ?? (await workspaceArticleAsIs(deps, slug));
      if (!article) throw new DomainError(ErrorCodes.notFound, 'No such article.');
      const { subject, html, text } = await previewArticleEmail(deps, article);
      return c.json({ subject, html, text }, 200);
    },
  );
  return api;
}
