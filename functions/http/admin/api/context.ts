import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import { requireRole, type ApiKeyRecord } from '../../../core/access/api-keys.js';
import { authenticateRequest } from '../../../core/access/key-guard.js';
import { bodyHashOf, once } from '../../../core/access/idempotency.js';
import { invalidInput } from '../../../core/errors.js';
import { toFieldIssues } from '../../../core/subscribers/input.js';
import type { AppEnv } from '../../app.js';
import type { AdminDeps } from '../deps.js';

export type AdminEnv = { Variables: AppEnv['Variables'] & { apiKey: ApiKeyRecord } };

/**
 * One noun's part of the API. A request its schemas refuse is the domain's `invalid_input`, field
 * by field, answered by the app's one error handler like every other error.
 */
export const apiApp = () =>
  new OpenAPIHono<AdminEnv>({
    defaultHook: (result) => {
      if (!result.success) throw invalidInput(toFieldIssues(result.error as never));
    },
  });

/** `Authorization: Bearer <key>` on every call but the description's. */
export const requireKey =
  (deps: AdminDeps): MiddlewareHandler<AdminEnv> =>
  async (c, next) => {
    if (c.req.path.endsWith('/openapi.json') || c.req.path.endsWith('/docs')) return next();
    const presented = c.req.header('authorization')?.match(/^Bearer\s+(\S+)$/i)?.[1];
    const where = { ip: c.get('clientIp'), where: 'api', logger: c.get('logger') } as const;
    c.set('apiKey', await authenticateRequest(deps, presented, where));
    // Every change needs an editor key, checked before the body is even read.
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') requireRole(c.get('apiKey'), 'editor');
    await next();
  };

/** Runs a change once per Idempotency-Key when one is given; always as an editor. */
export const idempotent =
  (deps: AdminDeps) =>
  async (
    c: Context<AdminEnv>,
    body: unknown,
    run: () => Promise<{ status: 200 | 201; body: unknown; reader?: string }>,
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

/** A change's answer when it is a plain 200. */
export const ok = (body: unknown) => ({ status: 200 as const, body });
