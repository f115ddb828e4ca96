import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { ArticleStates } from '../../../core/articles/article.js';
import {
  createArticle,
  getArticle,
  listArticles,
  listRevisions,
  publishArticle,
  restoreRevision,
  scheduleArticle,
  unpublishArticle,
  updateArticle,
} from '../../../core/articles/manage.js';
import { MAX_SOURCE_BYTES } from '../../../core/articles/validate.js';
import type { AdminDeps } from '../deps.js';
import { apiApp, idempotent, ok, type AdminEnv } from './context.js';
import { errors, IdempotencyHeader, json } from './schemas.js';

const SlugParam = z.object({
  slug: z.string().openapi({ param: { name: 'slug', in: 'path' } }),
});
const RevisionParam = z.object({
  slug: SlugParam.shape.slug,
  n: z.coerce
    .number()
    .int()
    .positive()
    .openapi({ param: { name: 'n', in: 'path' } }),
});
const Source = z.string().openapi({
  description: `The whole markdown file, as a content/<slug>.md holds it: YAML front matter (title, date, summary, topics, author or desk, sources, related, draft, sendWhenPublished) and the body; at most ${MAX_SOURCE_BYTES} bytes. Checked by the same schema as the files: its problems are 422s under the front matter field's name, (front matter) or (body)`,
});
const Version = z.number().int().positive().openapi({
  description: 'The version you read: a newer one is a 409 and nothing is changed',
});
const ArticleSchema = z
  .object({
    slug: z.string().openapi({ description: 'Its address, /articles/<slug>: never changes' }),
    source: z.string(),
    state: z.enum(ArticleStates),
    publishAt: z.string().optional().openapi({ description: 'When a scheduled article appears' }),
    firstPublishedAt: z.string().optional(),
    version: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
    updatedBy: z.string().openapi({ description: "The editor's email (or key name)" }),
  })
  .openapi('WorkspaceArticle');
const RevisionSchema = z
  .object({
    number: z.number().int(),
    state: z.enum(ArticleStates),
    publishAt: z.string().optional(),
    at: z.string(),
    by: z.string(),
    change: z.string().openapi({ description: 'What the save changed: fields, body lines +/−' }),
  })
  .openapi('ArticleRevision');
const Transition = z.object({ version: Version.optional() }).openapi('ArticleTransition');
const one = (article: object) => ({ article: ArticleSchema.parse(article) });
const answer = {
  description: 'The article after the change',
  content: json(z.object({ article: ArticleSchema })),
};
const editorOf = (c: Context<AdminEnv>) => c.get('apiKey').email ?? c.get('apiKey').name;

/**
 * Articles written through the API, stored in the table beside content/ (docs/content-and-email.md):
 * create, edit, publish, unpublish, schedule, and their history. Every save is a revision.
 */
export function articleEditsApi(deps: AdminDeps) {
  const api = apiApp();
  const change = idempotent(deps);
  const route = <B extends z.ZodType, P extends typeof SlugParam | typeof RevisionParam>(
    method: 'post' | 'put',
    path: string,
    summary: string,
    body: B,
    params: P,
  ) =>
    createRoute({
      method,
      path,
      summary,
      security: [{ bearer: [] }],
      request: {
        params,
        headers: IdempotencyHeader,
        body: { required: method === 'put', content: json(body) },
      },
      responses: { 200: answer, ...errors },
    });

  api.openapi(
    createRoute({
      method: 'get',
      path: '/articles/workspace',
      summary: 'Articles written in the workspace or the API, in every state, latest change first',
      security: [{ bearer: [] }],
      responses: {
        200: {
          description: 'Articles',
          content: json(z.object({ articles: z.array(ArticleSchema) })),
        },
        401: errors[401],
      },
    }),
    async (c) =>
      c.json({ articles: (await listArticles(deps)).map((a) => ArticleSchema.parse(a)) }, 200),
  );
  api.openapi(
    createRoute({
      method: 'get',
      path: '/articles/{slug}/source',
      summary: 'A workspace article as stored: its source, state and version',
      security: [{ bearer: [] }],
      request: { params: SlugParam },
      responses: { 200: answer, 401: errors[401], 404: errors[404] },
    }),
    async (c) => c.json(one(await getArticle(deps, c.req.valid('param').slug)), 200),
  );
  api.openapi(
    createRoute({
      method: 'post',
      path: '/articles',
      summary:
        'Create a draft article: a slug and the whole markdown source (front matter and body)',
      security: [{ bearer: [] }],
      request: {
        headers: IdempotencyHeader,
        body: {
          required: true,
          content: json(
            z
              .object({
                slug: z.string().openapi({
                  description: 'Lower-case words and hyphens; not a content/ file’s, never renamed',
                }),
                source: Source,
              })
              .openapi('NewArticle'),
          ),
        },
      },
      responses: { 201: answer, ...errors },
    }),
    async (c) => {
      const input = c.req.valid('json');
      return change(c, input, async () => ({
        status: 201,
        body: one(await createArticle(deps, { ...input, by: editorOf(c) })),
      })) as never;
    },
  );
  api.openapi(
    route(
      'put',
      '/articles/{slug}',
      'New source for an article, in whatever state it is (a published one is corrected in place; mail already sent is not)',
      z.object({ source: Source, version: Version }).openapi('ArticleEdit'),
      SlugParam,
    ),
    async (c) => {
      const input = { ...c.req.valid('json'), slug: c.req.valid('param').slug, by: editorOf(c) };
      return change(c, input, async () => ok(one(await updateArticle(deps, input)))) as never;
    },
  );
  const transitions = {
    publish: [
      'Publish now: in the archive and feeds within seconds; mailed as its own issue per the approvals flow',
      publishArticle,
    ],
    unpublish: [
      'Take it off the archive and feeds (mail already sent stays sent; the slug stays reserved)',
      unpublishArticle,
    ],
  } as const;
  for (const [verb, [summary, run]] of Object.entries(transitions))
    api.openapi(
      route('post', `/articles/{slug}/${verb}`, summary, Transition, SlugParam),
      async (c) => {
        const input = { ...c.req.valid('json'), slug: c.req.valid('param').slug, by: editorOf(c) };
        return change(c, input, async () => ok(one(await run(deps, input)))) as never;
      },
    );
  api.openapi(
    route(
      'post',
      '/articles/{slug}/schedule',
      'Publish at a future time (ISO 8601), with no one at the keyboard',
      z.object({ publishAt: z.string(), version: Version.optional() }).openapi('ArticleSchedule'),
      SlugParam,
    ),
    async (c) => {
      const input = { ...c.req.valid('json'), slug: c.req.valid('param').slug, by: editorOf(c) };
      return change(c, input, async () => ok(one(await scheduleArticle(deps, input)))) as never;
    },
  );
  api.openapi(
    createRoute({
      method: 'get',
      path: '/articles/{slug}/revisions',
      summary: 'Its history, newest first: every save, who, when and what changed',
      security: [{ bearer: [] }],
      request: { params: SlugParam },
      responses: {
        200: {
          description: 'Revisions',
          content: json(z.object({ revisions: z.array(RevisionSchema) })),
        },
        401: errors[401],
        404: errors[404],
      },
    }),
    async (c) => {
      const revisions = await listRevisions(deps, c.req.valid('param').slug);
      return c.json({ revisions: revisions.map((r) => RevisionSchema.parse(r)) }, 200);
    },
  );
  api.openapi(
    route(
      'post',
      '/articles/{slug}/revisions/{n}/restore',
      "Bring back revision n's source, as a new revision (the state is kept)",
      Transition,
      RevisionParam,
    ),
    async (c) => {
      const { slug, n } = c.req.valid('param');
      const input = { ...c.req.valid('json'), slug, number: n, by: editorOf(c) };
      return change(c, input, async () => ok(one(await restoreRevision(deps, input)))) as never;
    },
  );
  return api;
}
