import { Hono, type Context } from 'hono';
import { authenticate, requireRole, type ApiKeyRecord } from '../../core/access/api-keys.js';
import { DomainError, ErrorCodes } from '../../core/errors.js';
import { IssueStates, type IssueState } from '../../core/issues/issue.js';
import {
  cancelIssue, createArticleIssue, issueReport, pauseIssue, resumeIssue, scheduleIssue, sendIssueNow,
} from '../../core/issues/manage-issues.js';
import type { AdminDeps } from './deps.js';

type AdminEnv = { Variables: { apiKey: ApiKeyRecord } };

/**
 * The admin API: `Authorization: Bearer <key>` on every request. Viewer keys read; editor keys
 * also create, schedule, send, pause, resume and cancel. The sending itself is done by the workers
 * (the tick); these endpoints only move issues between states.
 */
export function adminApiRoutes(deps: AdminDeps) {
const adminRoutes = new Hono<AdminEnv>();

adminRoutes.use('*', async (c, next) => {
  const header = c.req.header('authorization');
  const presented = header?.match(/^Bearer\s+(\S+)$/i)?.[1];
  c.set('apiKey', await authenticate({ apiKeys: deps.apiKeys, clock: deps.clock }, presented));
  await next();
});

const asEditor = (c: Context<AdminEnv>) => requireRole(c.get('apiKey'), 'editor');

async function jsonBody(c: Context<AdminEnv>): Promise<Record<string, unknown>> {
  if (!c.req.header('content-type')?.toLowerCase().startsWith('application/json')) return {};
  try {
    const body = await c.req.json();
    if (typeof body === 'object' && body !== null && !Array.isArray(body)) return body as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new DomainError(ErrorCodes.invalidInput, 'The body must be a JSON object.', { issues: [{ field: '(body)', message: 'must be a JSON object' }] });
}

adminRoutes.get('/issues', async (c) => {
  const state = c.req.query('state');
  if (state !== undefined && !(Object.values(IssueStates) as string[]).includes(state)) {
    throw new DomainError(ErrorCodes.invalidInput, 'Unknown state.', { issues: [{ field: 'state', message: `must be one of ${Object.values(IssueStates).join(', ')}` }] });
  }
  const states = state ? [state as IssueState] : Object.values(IssueStates);
  const issues = (await Promise.all(states.map((s) => deps.issues.listByState(s)))).flat();
  return c.json({ issues });
});

adminRoutes.post('/issues', async (c) => {
  asEditor(c);
  const issue = await createArticleIssue(deps, await jsonBody(c));
  return c.json({ issue }, 201);
});

adminRoutes.get('/issues/:id', async (c) => c.json(await issueReport(deps, c.req.param('id'))));

adminRoutes.post('/issues/:id/schedule', async (c) => {
  asEditor(c);
  const body = await jsonBody(c);
  const at = typeof body.at === 'string' ? new Date(body.at) : new Date(Number.NaN);
  return c.json(await scheduleIssue(deps, c.req.param('id'), at));
});

const actions = { send: sendIssueNow, pause: (d: AdminDeps, id: string) => pauseIssue(d, id), resume: resumeIssue, cancel: cancelIssue } satisfies Record<string, (deps: AdminDeps, id: string) => Promise<unknown>>;
for (const [action, run] of Object.entries(actions)) {
  adminRoutes.post(`/issues/:id/${action}`, async (c) => {
    asEditor(c);
    return c.json(await run(deps, c.req.param('id')));
  });
}
return adminRoutes;
}
