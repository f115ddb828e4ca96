import { createRoute, z } from '@hono/zod-openapi';
import { listGivenUp, retryGivenUp } from '../../../core/outbox/manage.js';
import type { OutboxListing } from '../../../core/outbox/ports.js';
import type { AdminDeps } from '../deps.js';
import { apiApp } from './context.js';
import { errors } from './schemas.js';

const GivenUp = z
  .object({
    holder: z.enum(['subscriber', 'message']),
    id: z.string(),
    to: z.string(),
    kind: z.enum(['confirmation', 'welcome', 'test']),
    state: z.enum(['queued', 'sending', 'sent', 'failed']),
    reason: z.string().optional(),
    /** Why an attempt was made again (an earlier one had no receipt from SES). */
    resent: z.string().optional(),
    attempts: z.number(),
    queuedAt: z.string(),
    failedAt: z.string().optional(),
  })
  .openapi('OutboxEntry');

const view = ({ holder, id, to, entry }: OutboxListing) => ({
  holder,
  id,
  to,
  kind: entry.kind,
  state: entry.state,
  reason: entry.reason,
  resent: entry.resent,
  attempts: entry.attempts,
  queuedAt: entry.queuedAt,
  failedAt: entry.failedAt,
});

/** Transactional emails the outbox gave up on, with the reason, and a retry of one. */
export function outboxApi(deps: AdminDeps) {
  const api = apiApp();
  api.openapi(
    createRoute({
      method: 'get',
      path: '/outbox/failed',
      summary: 'Transactional emails given up on (newest first), each with its reason',
      security: [{ bearer: [] }],
      responses: {
        200: {
          description: 'Entries',
          content: { 'application/json': { schema: z.object({ entries: z.array(GivenUp) }) } },
        },
        401: errors[401],
      },
    }),
    async (c) => c.json({ entries: (await listGivenUp(deps)).map(view) }, 200),
  );
  api.openapi(
    createRoute({
      method: 'post',
      path: '/outbox/{holder}/{id}/retry',
      summary: 'Queue a given-up email again (a fresh entry, a fresh 48 hours)',
      security: [{ bearer: [] }],
      request: {
        params: z.object({ holder: z.enum(['subscriber', 'message']), id: z.string().max(256) }),
      },
      responses: {
        200: { description: 'Queued', content: { 'application/json': { schema: GivenUp } } },
        ...errors,
      },
    }),
    async (c) => {
      const { holder, id } = c.req.valid('param');
      return c.json(view(await retryGivenUp(deps, holder, id)), 200);
    },
  );
  return api;
}
