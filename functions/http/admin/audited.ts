import type { MiddlewareHandler } from 'hono';
import type { ApiKeyRecord } from '../../core/access/api-keys.js';
import { erasesReader, type AuditEntry } from '../../core/access/audit.js';
import type { AdminDeps } from './deps.js';

/**
 * Records each change an editor made, once it is made: a workspace POST that ended in its
 * redirect (a question asked first, or a refused form, changed nothing and is not recorded), an
 * API call that answered 2xx. Reads are not recorded. The route as matched names the action, and
 * its `:id` what it acted on; a failure to record is logged, never turned into the action's error.
 */
export const audited =
  (
    deps: AdminDeps,
    via: AuditEntry['via'],
    keyOf: (c: Parameters<MiddlewareHandler>[0]) => ApiKeyRecord | undefined,
  ): MiddlewareHandler =>
  async (c, next) => {
    await next();
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return;
    // A workspace change ends in its redirect, or (a webhook's registration, whose secret is
    // shown once) in a 201 page of its own.
    const done =
      via === 'workspace' ? c.res.status === 303 || c.res.status === 201 : c.res.status < 300;
    const key = keyOf(c);
    if (!done || !key || c.error) return;
    const action = `${c.req.method} ${c.req.routePath}`;
    const target = erasesReader(action) ? undefined : (c.req.param('id') ?? c.req.param('slug'));
    await deps.auditLog
      .record({
        at: deps.clock.now().toISOString(),
        actor: key.name,
        keyPrefix: key.prefix,
        action,
        ...(target ? { target } : {}),
        via,
      })
      .catch((error: unknown) => c.get('logger')?.error('audit_not_recorded', { error }));
  };
