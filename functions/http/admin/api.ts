import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { authenticate, requireRole, type ApiKeyRecord } from '../../core/access/api-keys.js';
import { bodyHashOf, once } from '../../core/access/idempotency.js';
import { DomainError, ErrorCodes } from '../../core/errors.js';
import { IssueStates, type IssueState } from '../../core/issues/issue.js';
import {
  cancelIssue, createArticleIssue, createIssueSchema, issueReport, pauseIssue, resumeIssue, scheduleIssue, sendIssueNow,
} from '../../core/issues/manage-issues.js';
import { toFieldIssues } from '../../core/subscribers/input.js';
import type { AdminDeps } from './deps.js';

type AdminEnv = { Variables: { apiKey: ApiKeyRecord } };

const states = Object.values(IssueStates) as [IssueState, ...IssueState[]];
const ErrorSchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), issues: z.array(z.object({ field: z.string(), message: z.string() })).optional() }),
}).openapi('Error');
const IssueSchema = z.object({
  id: z.string(),
  content: z.union([
    z.object({ kind: z.literal('article'), slug: z.string() }),
    z.object({ kind: z.literal('digest'), frequency: z.enum(['daily', 'weekly']), period: z.string(), slugs: z.array(z.string()) }),
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
  pause: z.object({ reason: z.string(), at: z.string(), resumeAfter: z.string().optional(), message: z.string().optional() }).optional(),
}).openapi('Issue');
const CountsSchema = z.object({ sent: z.number(), skipped: z.number(), failed: z.number(), suppressed: z.number(), ambiguous: z.number() });
const ReportSchema = z.object({
  issue: IssueSchema, counts: CountsSchema, remaining: z.number(), shardsDone: z.number(), ambiguous: z.array(z.string()),
  failures: z.array(z.object({ subscriberId: z.string(), reason: z.string() })),
  engagement: z.object({ delivered: z.number(), bounced: z.number(), complained: z.number(), opened: z.number(), clicked: z.number() }),
}).openapi('IssueReport');
const TransitionSchema = z.object({ issue: IssueSchema, changed: z.boolean() }).openapi('Transition');
const IdParam = z.object({ id: z.string().openapi({ param: { name: 'id', in: 'path' } }) });
const IdempotencyHeader = z.object({ 'idempotency-key': z.string().optional().openapi({ description: 'A retry with the same key and body returns the first answer; the same key with another body is a 409.' }) });
const errors = {
  401: { description: 'No valid API key', content: { 'application/json': { schema: ErrorSchema } } },
  403: { description: 'A viewer key cannot change anything', content: { 'application/json': { schema: ErrorSchema } } },
  404: { description: 'No such issue', content: { 'application/json': { schema: ErrorSchema } } },
  409: { description: 'The issue is in a state that forbids this, or the Idempotency-Key was used differently', content: { 'application/json': { schema: ErrorSchema } } },
  422: { description: 'Invalid input, field by field', content: { 'application/json': { schema: ErrorSchema } } },
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
        return c.json({ error: { code: ErrorCodes.invalidInput, message: issues.map((i) => `${i.field}: ${i.message}`).join('; '), issues } }, 422);
      }
    },
  });
  api.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer', description: 'An API key made with `npm run keys -- create`' });

  api.use('*', async (c, next) => {
    if (c.req.path.endsWith('/openapi.json') || c.req.path.endsWith('/docs')) return next();
    const presented = c.req.header('authorization')?.match(/^Bearer\s+(\S+)$/i)?.[1];
    c.set('apiKey', await authenticate({ apiKeys: deps.apiKeys, clock: deps.clock }, presented));
    await next();
  });

  /** Runs a change once per Idempotency-Key when one is given; always as an editor. */
  const change = async (c: Context<AdminEnv>, body: unknown, run: () => Promise<{ status: 200 | 201; body: unknown }>) => {
    requireRole(c.get('apiKey'), 'editor');
    const key = c.req.header('idempotency-key');
    if (key === undefined) {
      const result = await run();
      return c.json(result.body as object, result.status);
    }
    const result = await once(deps, c.get('apiKey').hash, key, bodyHashOf(c.req.method, c.req.path, JSON.stringify(body ?? null)), run);
    if (result.replayed) c.header('Idempotent-Replayed', 'true');
    return c.json(result.body as object, result.status as 200 | 201);
  };

  api.openapi(createRoute({
    method: 'get', path: '/issues', summary: 'List issues', security: [{ bearer: [] }],
    request: { query: z.object({ state: z.enum(states).optional() }) },
    responses: { 200: { description: 'Issues, newest first', content: { 'application/json': { schema: z.object({ issues: z.array(IssueSchema) }) } } }, 401: errors[401], 422: errors[422] },
  }), async (c) => {
    const { state } = c.req.valid('query');
    const issues = (await Promise.all((state ? [state] : states).map((s) => deps.issues.listByState(s)))).flat().sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    return c.json({ issues: issues as z.infer<typeof IssueSchema>[] }, 200);
  });

  const createBody = createIssueSchema(deps.publication.topics.map((t) => t.id)).openapi('CreateIssue');
  api.openapi(createRoute({
    method: 'post', path: '/issues', summary: 'Create a draft issue for an article', security: [{ bearer: [] }],
    request: { headers: IdempotencyHeader, body: { required: true, content: { 'application/json': { schema: createBody } } } },
    responses: { 201: { description: 'The draft', content: { 'application/json': { schema: z.object({ issue: IssueSchema }) } } }, 401: errors[401], 403: errors[403], 409: errors[409], 422: errors[422] },
  }), async (c) => {
    const body = c.req.valid('json');
    return change(c, body, async () => ({ status: 201, body: { issue: await createArticleIssue(deps, body) } })) as never;
  });

  api.openapi(createRoute({
    method: 'get', path: '/issues/{id}', summary: 'Progress while sending, the report afterwards', security: [{ bearer: [] }],
    request: { params: IdParam },
    responses: { 200: { description: 'The report', content: { 'application/json': { schema: ReportSchema } } }, 401: errors[401], 404: errors[404] },
  }), async (c) => c.json((await issueReport(deps, c.req.valid('param').id)) as never, 200));

  const ScheduleBody = z.object({ at: z.string().datetime({ offset: true, message: 'must be an ISO 8601 date and time' }) }).openapi('Schedule');
  api.openapi(createRoute({
    method: 'post', path: '/issues/{id}/schedule', summary: 'Schedule a draft or scheduled issue', security: [{ bearer: [] }],
    request: { params: IdParam, headers: IdempotencyHeader, body: { required: true, content: { 'application/json': { schema: ScheduleBody } } } },
    responses: { 200: { description: 'Scheduled', content: { 'application/json': { schema: TransitionSchema } } }, ...errors },
  }), async (c) => {
    const body = c.req.valid('json');
    return change(c, body, async () => ({ status: 200, body: await scheduleIssue(deps, c.req.valid('param').id, new Date(body.at)) })) as never;
  });

  const actions = {
    send: ['Send now (draft or scheduled)', sendIssueNow],
    pause: ['Pause a scheduled or sending issue', (d: AdminDeps, id: string) => pauseIssue(d, id)],
    resume: ['Resume a paused issue', resumeIssue],
    cancel: ['Cancel: nothing more is sent', cancelIssue],
  } as const;
  for (const [action, [summary, run]] of Object.entries(actions)) {
    api.openapi(createRoute({
      method: 'post', path: `/issues/{id}/${action}`, summary, security: [{ bearer: [] }],
      request: { params: IdParam, headers: IdempotencyHeader },
      responses: { 200: { description: 'The issue after the move (changed: false if it already was there)', content: { 'application/json': { schema: TransitionSchema } } }, ...errors },
    }), async (c) => change(c, null, async () => ({ status: 200, body: await run(deps, c.req.valid('param').id) })) as never);
  }

  api.doc31('/openapi.json', { openapi: '3.1.0', info: { title: `${deps.publication.name} admin API`, version: '1.0.0' }, servers: [{ url: `${deps.publication.baseUrl}/api/admin` }] });

  api.get('/docs', (c) => {
    const document = api.getOpenAPI31Document({ openapi: '3.1.0', info: { title: `${deps.publication.name} admin API`, version: '1.0.0' } });
    const rows = Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
      Object.entries(item as Record<string, { summary?: string }>).map(([method, op]) => `<tr><td><code>${method.toUpperCase()}</code></td><td><code>/api/admin${escapeHtml(path)}</code></td><td>${escapeHtml(op.summary ?? '')}</td></tr>`),
    );
    return c.html(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Admin API</title><style>body{font:15px system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}td{padding:.3rem .6rem;border-bottom:1px solid #ddd}</style></head><body><h1>${escapeHtml(deps.publication.name)} admin API</h1><p>Send <code>Authorization: Bearer &lt;key&gt;</code>. Creating and sending accept <code>Idempotency-Key</code>. The machine-readable description: <a href="/api/admin/openapi.json">openapi.json</a> (OpenAPI 3.1).</p><table><tbody>${rows.join('')}</tbody></table></body></html>`);
  });

  return api;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
export { DomainError };
