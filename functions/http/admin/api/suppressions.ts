import { createRoute, z } from '@hono/zod-openapi';
import { allowAddress, suppressAddress } from '../../../core/subscribers/suppression.js';
import type { AdminDeps } from '../deps.js';
import { apiApp } from './context.js';
import { errors } from './schemas.js';

const SuppressionBody = z
  .object({ email: z.string(), reason: z.string().trim().min(1, 'is required').max(200) })
  .openapi('Suppression');

/** The suppression list: read it, suppress an address, allow one again. */
export function suppressionsApi(deps: AdminDeps) {
  const api = apiApp();
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
      // An address mailed again is a decision someone must answer for: who, and why.
      c.get('logger').info('suppression_removed', { by: c.get('apiKey').prefix, reason });
      return c.body(null, 204);
    },
  );
  return api;
}
