import { createRoute, z } from '@hono/zod-openapi';
import { startDigest } from '../../../core/issues/digests.js';
import type { AdminDeps } from '../deps.js';
import { apiApp, idempotent, ok } from './context.js';
import { IssueSchema } from './issues.js';
import { errors, IdempotencyHeader } from './schemas.js';

/** This period's digest, started by hand: once per period, as its schedule would. */
export function digestsApi(deps: AdminDeps) {
  const api = apiApp();
  const change = idempotent(deps);
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
      return change(c, body, async () =>
        ok(await startDigest(deps, body.frequency, deps.clock.now())),
      ) as never;
    },
  );
  return api;
}
