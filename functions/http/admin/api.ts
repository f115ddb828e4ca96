import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { authenticate, requireRole, type ApiKeyRecord } from '../../core/access/api-keys.js';
import { bodyHashOf, once } from '../../core/access/idempotency.js';
import { DomainError, ErrorCodes } from '../../core/errors.js';
import { IssueStates, type IssueState } from '../../core/issues/issue.js';
import {
  cancelIssue,
  createArticleIssue,
  createIssueSchema,
  issueReport,
  pauseIssue,
  resumeIssue,
  scheduleIssue,
  sendIssueNow,
} from '../../core/issues/manage-issues.js';
import { toFieldIssues } from '../../core/subscribers/input.js';
import { publishedArticles } from '../../core/content/article.js';
import { draftFor, previewIssue, testSendIssue } from '../../core/issues/preview.js';
import { exportCsv, importCsv } from '../../core/subscribers/csv.js';
import {
  eraseSubscriber,
  findSubscriber,
  subscriberData,
} from '../../core/subscribers/personal-data.js';
import { subscribe } from '../../core/subscribers/subscribe.js';
import { allowAddress, suppressAddress } from '../../core/subscribers/suppression.js';
import { startDigest } from '../../core/issues/digests.js';
import type { AdminDeps } from './deps.js';

type AdminEnv = { Variables: { apiKey: ApiKeyRecord } };

const states = Object.values(IssueStates) as [IssueState, ...IssueState[]];
const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      issues: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
    }),
  })
  .openapi('Error');
const IssueSchema = z
  .object({
    id: z.string(),
    content: z.union([
      z.object({ kind: z.literal('article'), slug: z.string() }),
      z.object({
        kind: z.literal('digest'),
        frequency: z.enum(['daily', 'weekly']),
        period: z.string(),
        slugs: z.array(z.string()),
      }),
    ]),
    subject: z.string(),
    editorNote: z.string().optional(),
    audience: z.object({ topics: z.array(z.string()), frequencies: z.array(z.string()) }),
    state: z.enum(states),
    scheduledAt: z.string().optional(),
    createdAt: z.string(),
    startedAt: z.string().optional(),
    finishedAt: z.string().optional(),
    total: z.number().optional(),
    pause: z
      .object({
        reason: z.string(),
        at: z.string(),
        resumeAfter: z.string().optional(),
        message: z.string().optional(),
      })
      .optional(),
  })
  .openapi('Issue');
const CountsSchema = z.object({
  sent: z.number(),
  skipped: z.number(),
  failed: z.number(),
  suppressed: z.number(),
  ambiguous: z.number(),
});
const ReportSchema = z
  .object({
    issue: IssueSchema,
    counts: CountsSchema,
    remaining: z.number(),
    shardsDone: z.number(),
    ambiguous: z.array(z.string()),
    failures: z.array(z.object({ subscriberId: z.string(), reason: z.string() })),
    engagement: z.object({
      delivered: z.number(),
      bounced: z.number(),
      complained: z.number(),
      opened: z.number(),
      clicked: z.number(),
    }),
  })
  .openapi('IssueReport');
const TransitionSchema = z
  .object({ issue: IssueSchema, changed: z.boolean() })
  .openapi('Transition');
const IdParam = z.object({ id: z.string().openapi({ param: { name: 'id', in: 'path' } }) });
const IdempotencyHeader = z.object({
  'idempotency-key': z.string().optional().openapi({
    description:
      'A retry with the same key and body returns the first answer; the same key with another body is a 409.',
  }),
});
const errors = {
  401: {
    description: 'No valid API key',
    content: { 'application/json': { schema: ErrorSchema } },
  },
  403: {
    description: 'A viewer key cannot change anything',
    content: { 'application/json': { schema: ErrorSchema } },
  },
  404: { description: 'No such issue', content: { 'application/json': { schema: ErrorSchema } } },
  409: {
    description:
      'The issue is in a state that forbids this, or the Idempotency-Key was used differently',
    content: { 'application/json': { schema: ErrorSchema } },
  },
  422: {
    description: 'Invalid input, field by field',
    content: { 'application/json': { schema: ErrorSchema } },
  },
} as const;

/**
 * The admin API under /api/admin, described by an OpenAPI 3.1 document built from the same zod
 * schemas that validate the requests (`/api/admin/openapi.json`, readable at `/api/admin/docs`).
 * `Authorization: Bearer <key>` on every call; viewer keys read, editor keys also change.
 */
export function adminApiRoutes(deps: AdminDeps) {
  const api = new OpenAPIHono<AdminEnv>({
    defaultHook: (result, c) => {
      if (!result.success) {
        const issues = toFieldIssues(result.error as never);
        return c.json(
          {
            error: {
              code: ErrorCodes.invalidInput,
              message: issues.map((i) => `${i.field}: ${i.message}`).join('; '),
              issues,
            },
          },
          422,
        );
      }
    },
  });
  api.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'An API key made with `npm run keys -- create`',
  });

  api.use('*', async (c, next) => {
    if (c.req.path.endsWith('/openapi.json') || c.req.path.endsWith('/docs')) return next();
    const presented = c.req.header('authorization')?.match(/^Bearer\s+(\S+)$/i)?.[1];
    c.set('apiKey', await authenticate({ apiKeys: deps.apiKeys, clock: deps.clock }, presented));
    // Every change needs an editor key, checked before the body is even read.
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') requireRole(c.get('apiKey'), 'editor');
    await next();
  });

  /** Runs a change once per Idempotency-Key when one is given; always as an editor. */
  const change = async (
    c: Context<AdminEnv>,
    body: unknown,
    run: () => Promise<{ status: 200 | 201; body: unknown }>,
  ) => {
    requireRole(c.get('apiKey'), 'editor');
    const key = c.req.header('idempotency-key');
    if (key === undefined) {
      const result = await run();
      return c.json(result.body as object, result.status);
    }
    const result = await once(
      deps,
      c.get('apiKey').hash,
      key,
      bodyHashOf(c.req.method, c.req.path, JSON.stringify(body ?? null)),
      run,
    );
    if (result.replayed) c.header('Idempotent-Replayed', 'true');
    return c.json(result.body as object, result.status as 200 | 201);
  };

  api.openapi(
    createRoute({
      method: 'get',
      path: '/issues',
      summary: 'List issues',
      security: [{ bearer: [] }],
      request: { query: z.object({ state: z.enum(states).optional() }) },
      responses: {
        200: {
          description: 'Issues, newest first',
          content: { 'application/json': { schema: z.object({ issues: z.array(IssueSchema) }) } },
        },
        401: errors[401],
        422: errors[422],
      },
    }),
    async (c) => {
      const { state } = c.req.valid('query');
      const issues = (
        await Promise.all((state ? [state] : states).map((s) => deps.issues.listByState(s)))
      )
        .flat()
        .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
      return c.json({ issues: issues as z.infer<typeof IssueSchema>[] }, 200);
    },
  );

  const createBody = createIssueSchema(deps.publication.topics.map((t) => t.id)).openapi(
    'CreateIssue',
  );
  api.openapi(
    createRoute({
      method: 'post',
      path: '/issues',
      summary: 'Create a draft issue for an article',
      security: [{ bearer: [] }],
      request: {
        headers: IdempotencyHeader,
        body: { required: true, content: { 'application/json': { schema: createBody } } },
      },
      responses: {
        201: {
          description: 'The draft',
          content: { 'application/json': { schema: z.object({ issue: IssueSchema }) } },
        },
        401: errors[401],
        403: errors[403],
        409: errors[409],
        422: errors[422],
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      return change(c, body, async () => ({
        status: 201,
        body: { issue: await createArticleIssue(deps, body) },
      })) as never;
    },
  );

  api.openapi(
    createRoute({
      method: 'get',
      path: '/issues/{id}',
      summary: 'Progress while sending, the report afterwards',
      security: [{ bearer: [] }],
      request: { params: IdParam },
      responses: {
        200: {
          description: 'The report',
          content: { 'application/json': { schema: ReportSchema } },
        },
        401: errors[401],
        404: errors[404],
      },
    }),
    async (c) => c.json((await issueReport(deps, c.req.valid('param').id)) as never, 200),
  );

  const ScheduleBody = z
    .object({
      at: z.string().datetime({ offset: true, message: 'must be an ISO 8601 date and time' }),
    })
    .openapi('Schedule');
  api.openapi(
    createRoute({
      method: 'post',
      path: '/issues/{id}/schedule',
      summary: 'Schedule a draft or scheduled issue',
      security: [{ bearer: [] }],
      request: {
        params: IdParam,
        headers: IdempotencyHeader,
        body: { required: true, content: { 'application/json': { schema: ScheduleBody } } },
      },
      responses: {
        200: {
          description: 'Scheduled',
          content: { 'application/json': { schema: TransitionSchema } },
        },
        ...errors,
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      return change(c, body, async () => ({
        status: 200,
        body: await scheduleIssue(deps, c.req.valid('param').id, new Date(body.at)),
      })) as never;
    },
  );

  const actions = {
    send: ['Send now (draft or scheduled)', sendIssueNow],
    pause: ['Pause a scheduled or sending issue', (d: AdminDeps, id: string) => pauseIssue(d, id)],
    resume: ['Resume a paused issue', resumeIssue],
    cancel: ['Cancel: nothing more is sent', cancelIssue],
  } as const;
  for (const [action, [summary, run]] of Object.entries(actions)) {
    api.openapi(
      createRoute({
        method: 'post',
        path: `/issues/{id}/${action}`,
        summary,
        security: [{ bearer: [] }],
        request: { params: IdParam, headers: IdempotencyHeader },
        responses: {
          200: {
            description: 'The issue after the move (changed: false if it already was there)',
            content: { 'application/json': { schema: TransitionSchema } },
          },
          ...errors,
        },
      }),
      async (c) =>
        change(c, null, async () => ({
          status: 200,
          body: await run(deps, c.req.valid('param').id),
        })) as never,
    );
  }

  api.openapi(
    createRoute({
      method: 'post',
      path: '/digests',
      summary: "Start this period's daily or weekly digest (one per period, as its schedule would)",
      security: [{ bearer: [] }],
      request: {
        headers: IdempotencyHeader,
        body: {
          required: true,
          content: {
            'application/json': {
              schema: z.object({ frequency: z.enum(['daily', 'weekly']) }).openapi('StartDigest'),
            },
          },
        },
      },
      responses: {
        200: {
          description: 'started, already_started, or nothing_new (no article since the last one)',
          content: {
            'application/json': {
              schema: z.object({ status: z.string(), issue: IssueSchema.optional() }),
            },
          },
        },
        ...errors,
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      return change(c, body, async () => ({
        status: 200,
        body: await startDigest(deps, body.frequency, deps.clock.now()),
      })) as never;
    },
  );

  api.openapi(
    createRoute({
      method: 'get',
      path: '/stats',
      summary:
        "The dashboard's counters: subscribers by state, topic and frequency; joins and leaves per day",
      security: [{ bearer: [] }],
      responses: {
        200: {
          description: 'Counters',
          content: {
            'application/json': { schema: z.object({ counts: z.record(z.string(), z.number()) }) },
          },
        },
        401: errors[401],
      },
    }),
    async (c) => c.json({ counts: await deps.subscribers.counts() }, 200),
  );

  // ---- subscribers, suppressions, articles: what the workspace does, as endpoints ------------
  const SubscriberSchema = z
    .object({
      id: z.string(),
      email: z.string(),
      state: z.string(),
      topics: z.array(z.string()),
      frequency: z.string(),
      consent: z.record(z.string(), z.unknown()),
      createdAt: z.string(),
      confirmedAt: z.string().optional(),
      unsubscribedAt: z.string().optional(),
    })
    .openapi('Subscriber');
  const SubscriberId = z.object({ id: z.string().openapi({ param: { name: 'id', in: 'path' } }) });

  api.openapi(
    createRoute({
      method: 'get',
      path: '/subscribers',
      summary: 'Find one subscriber by address, or list them a page at a time',
      security: [{ bearer: [] }],
      request: {
        query: z.object({
          email: z.string().max(320).optional(),
          cursor: z.string().max(2000).optional(),
        }),
      },
      responses: {
        200: {
          description: 'Subscribers',
          content: {
            'application/json': {
              schema: z.object({
                subscribers: z.array(SubscriberSchema),
                cursor: z.string().optional(),
              }),
            },
          },
        },
        401: errors[401],
        422: errors[422],
      },
    }),
    async (c) => {
      const { email, cursor } = c.req.valid('query');
      if (email !== undefined) {
        const found = await findSubscriber(deps, email);
        return c.json({ subscribers: found ? [found] : [] } as never, 200);
      }
      const page = await deps.directory.subscribers(cursor, 100);
      return c.json({ subscribers: page.items, cursor: page.cursor } as never, 200);
    },
  );

  const AddSubscriber = z
    .object({
      email: z.string(),
      topics: z.array(z.string()).optional(),
      frequency: z.string().optional(),
    })
    .openapi('AddSubscriber');
  api.openapi(
    createRoute({
      method: 'post',
      path: '/subscribers',
      summary: 'Add a subscriber: they are sent a confirmation, as from the signup form',
      security: [{ bearer: [] }],
      request: {
        headers: IdempotencyHeader,
        body: { required: true, content: { 'application/json': { schema: AddSubscriber } } },
      },
      responses: {
        202: {
          description: 'A confirmation is on its way (if the address may subscribe)',
          content: { 'application/json': { schema: z.object({ status: z.literal('pending') }) } },
        },
        ...errors,
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      return change(c, body, async () => {
        await subscribe(deps, body, 'admin');
        return { status: 202 as never, body: { status: 'pending' } };
      }) as never;
    },
  );

  api.openapi(
    createRoute({
      method: 'get',
      path: '/subscribers/{id}',
      summary: 'Everything kept about one reader (access request)',
      security: [{ bearer: [] }],
      request: { params: SubscriberId },
      responses: {
        200: {
          description: 'The reader’s data',
          content: {
            'application/json': { schema: SubscriberSchema.extend({ suppressed: z.boolean() }) },
          },
        },
        401: errors[401],
        404: errors[404],
      },
    }),
    async (c) => c.json((await subscriberData(deps, c.req.valid('param').id)) as never, 200),
  );

  api.openapi(
    createRoute({
      method: 'delete',
      path: '/subscribers/{id}',
      summary: 'Erase a reader for good; only a suppression hash remains',
      security: [{ bearer: [] }],
      request: { params: SubscriberId },
      responses: {
        204: { description: 'Erased' },
        401: errors[401],
        403: errors[403],
        404: errors[404],
      },
    }),
    async (c) => {
      requireRole(c.get('apiKey'), 'editor');
      await eraseSubscriber(deps, c.req.valid('param').id);
      return c.body(null, 204);
    },
  );

  api.get('/subscribers.csv', async (c) => {
    let csv = '';
    for await (const chunk of exportCsv(deps)) csv += chunk;
    return c.body(csv, 200, { 'content-type': 'text/csv; charset=utf-8' });
  });
  api.post('/subscribers/import', async (c) => {
    requireRole(c.get('apiKey'), 'editor');
    if (!c.req.header('content-type')?.startsWith('text/csv')) {
      throw new DomainError(ErrorCodes.invalidInput, 'Send the file as text/csv.', {
        issues: [{ field: '(body)', message: 'must be text/csv' }],
      });
    }
    return c.json(await importCsv(deps, await c.req.text()), 200);
  });

  const SuppressionBody = z
    .object({ email: z.string(), reason: z.string().trim().min(1, 'is required').max(200) })
    .openapi('Suppression');
  api.openapi(
    createRoute({
      method: 'get',
      path: '/suppressions',
      summary: 'The suppression list (erased readers appear as a hash only)',
      security: [{ bearer: [] }],
      responses: {
        200: {
          description: 'Entries',
          content: {
            'application/json': {
              schema: z.object({
                suppressions: z.array(
                  z.object({
                    key: z.string(),
                    email: z.string().optional(),
                    reason: z.string(),
                    at: z.string(),
                  }),
                ),
              }),
            },
          },
        },
        401: errors[401],
      },
    }),
    async (c) => c.json({ suppressions: await deps.directory.suppressions() }, 200),
  );
  api.openapi(
    createRoute({
      method: 'post',
      path: '/suppressions',
      summary: 'Suppress an address (with a reason)',
      security: [{ bearer: [] }],
      request: {
        body: { required: true, content: { 'application/json': { schema: SuppressionBody } } },
      },
      responses: { 204: { description: 'Suppressed' }, ...errors },
    }),
    async (c) => {
      await suppressAddress(deps, c.req.valid('json'));
      return c.body(null, 204);
    },
  );
  api.openapi(
    createRoute({
      method: 'post',
      path: '/suppressions/remove',
      summary: 'Allow an address again (with a reason, logged)',
      security: [{ bearer: [] }],
      request: {
        body: { required: true, content: { 'application/json': { schema: SuppressionBody } } },
      },
      responses: { 204: { description: 'Removed' }, ...errors },
    }),
    async (c) => {
      const { reason } = await allowAddress(deps, c.req.valid('json'));
      console.log(
        JSON.stringify({
          level: 'info',
          event: 'suppression_removed',
          by: c.get('apiKey').prefix,
          reason,
        }),
      );
      return c.body(null, 204);
    },
  );

  const PreviewSchema = z
    .object({ subject: z.string(), html: z.string(), text: z.string() })
    .openapi('Preview');
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
      summary: 'An article as its email: subject, HTML and text',
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
      const article = await deps.articles.bySlug(c.req.valid('param').slug);
      if (!article) throw new DomainError(ErrorCodes.notFound, 'No such article.');
      const { subject, html, text } = await previewIssue(deps, draftFor(article));
      return c.json({ subject, html, text }, 200);
    },
  );
  api.openapi(
    createRoute({
      method: 'post',
      path: '/issues/{id}/test',
      summary: 'Send the issue to up to five editor addresses, subject marked [TEST]',
      security: [{ bearer: [] }],
      request: {
        params: IdParam,
        body: {
          required: true,
          content: {
            'application/json': {
              schema: z.object({ to: z.string().max(2000) }).openapi('TestSend'),
            },
          },
        },
      },
      responses: {
        200: {
          description: 'Sent',
          content: { 'application/json': { schema: z.object({ sentTo: z.array(z.string()) }) } },
        },
        ...errors,
      },
    }),
    async (c) => {
      requireRole(c.get('apiKey'), 'editor');
      const issue = await deps.issues.get(c.req.valid('param').id);
      if (!issue)
        throw new DomainError(ErrorCodes.notFound, `No issue ${c.req.valid('param').id}.`);
      return c.json({ sentTo: await testSendIssue(deps, issue, c.req.valid('json').to) }, 200);
    },
  );

  api.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: { title: `${deps.publication.name} admin API`, version: '1.0.0' },
    servers: [{ url: `${deps.publication.baseUrl}/api/admin` }],
  });

  api.get('/docs', (c) => {
    const document = api.getOpenAPI31Document({
      openapi: '3.1.0',
      info: { title: `${deps.publication.name} admin API`, version: '1.0.0' },
    });
    const rows = Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
      Object.entries(item as Record<string, { summary?: string }>).map(
        ([method, op]) =>
          `<tr><td><code>${method.toUpperCase()}</code></td><td><code>/api/admin${escapeHtml(path)}</code></td><td>${escapeHtml(op.summary ?? '')}</td></tr>`,
      ),
    );
    return c.html(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Admin API</title><style>body{font:15px system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}td{padding:.3rem .6rem;border-bottom:1px solid #ddd}</style></head><body><h1>${escapeHtml(deps.publication.name)} admin API</h1><p>Send <code>Authorization: Bearer &lt;key&gt;</code>. Creating and sending accept <code>Idempotency-Key</code>. The machine-readable description: <a href="/api/admin/openapi.json">openapi.json</a> (OpenAPI 3.1).</p><table><tbody>${rows.join('')}</tbody></table></body></html>`,
    );
  });

  return api;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
