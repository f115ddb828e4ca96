import { createRoute, z } from '@hono/zod-openapi';
import { approveAndFanOut } from '../../../core/delivery/start-now.js';
import { articleApprovals, dismissArticle } from '../../../core/issues/approvals.js';
import type { AdminDeps } from '../deps.js';
import { apiApp, idempotent, ok } from './context.js';
import { IssueSchema } from './issues.js';
import { errors, IdempotencyHeader, json } from './schemas.js';

const SlugParam = z.object({
  slug: z.string().openapi({ param: { name: 'slug', in: 'path' } }),
});

const DecisionSchema = z
  .object({
    slug: z.string(),
    publishedAt: z.string().openapi({ description: 'When the tick first saw it live' }),
    approval: z.enum(['waiting', 'approved', 'dismissed']).optional().openapi({
      description: 'Absent: it was mailed by itself (`sendWhenPublished: true`)',
    }),
    decidedBy: z.string().optional().openapi({ description: "The deciding editor's key name" }),
    decidedAt: z.string().optional(),
  })
  .openapi('ArticleDecision');

const WaitingSchema = z
  .object({
    slug: z.string(),
    title: z.string(),
    publishedAt: z.string(),
    audience: z.object({ topics: z.array(z.string()), frequencies: z.array(z.string()) }),
    estimatedRecipients: z.number().openapi({
      description: "The dashboard counters' estimate of who approving mails now",
    }),
    from: z.string().openapi({ description: 'The address it is sent from' }),
  })
  .openapi('WaitingArticle');

/**
 * New articles waiting for approval before their own issue goes to "every article" readers:
 * list them, approve one (its issue `publish-<slug>` starts, once however often it is asked) or
 * dismiss it (never mailed as its own issue; the digests still carry it).
 */
export function approvalsApi(deps: AdminDeps) {
  const api = apiApp();
  const change = idempotent(deps);
  api.openapi(
    createRoute({
      method: 'get',
      path: '/articles/waiting',
      summary: 'New articles waiting for approval, and the latest decisions',
      security: [{ bearer: [] }],
      responses: {
        200: {
          description: 'Waiting oldest first; decisions newest first',
          content: json(
            z.object({
              articles: z.array(WaitingSchema),
              decided: z.array(
                DecisionSchema.extend({
                  title: z.string(),
                  started: z.boolean().optional().openapi({
                    description:
                      'On an approval: false when its issue was never created (approve again to start it)',
                  }),
                }),
              ),
            }),
          ),
        },
        401: errors[401],
      },
    }),
    async (c) => {
      const { waiting, decided } = await articleApprovals(deps);
      const articles = waiting.map((w) => ({
        slug: w.article.slug,
        title: w.article.title,
        publishedAt: w.publishedAt,
        audience: w.audience,
        estimatedRecipients: w.about,
        from: deps.publication.fromAddress,
      }));
      return c.json({ articles, decided }, 200);
    },
  );
  api.openapi(
    createRoute({
      method: 'post',
      path: '/articles/{slug}/approve',
      summary: 'Approve a waiting article: its issue to "every article" readers starts now',
      security: [{ bearer: [] }],
      request: { params: SlugParam, headers: IdempotencyHeader },
      responses: {
        200: {
          description: 'The issue; `decided` false when it had been approved already',
          content: json(z.object({ issue: IssueSchema, decided: z.boolean() })),
        },
        ...errors,
      },
    }),
    async (c) => {
      const { slug } = c.req.valid('param');
      return change(c, null, async () =>
        ok(await approveAndFanOut(deps, slug, c.get('apiKey').name)),
      ) as never;
    },
  );
  api.openapi(
    createRoute({
      method: 'post',
      path: '/articles/{slug}/dismiss',
      summary: "Don't send a waiting article as its own issue (it stays in the digests)",
      security: [{ bearer: [] }],
      request: { params: SlugParam, headers: IdempotencyHeader },
      responses: {
        200: { description: 'Its record, dismissed', content: json(DecisionSchema) },
        ...errors,
      },
    }),
    async (c) => {
      const { slug } = c.req.valid('param');
      return change(c, null, async () =>
        ok(await dismissArticle(deps, slug, c.get('apiKey').name)),
      ) as never;
    },
  );
  return api;
}
