import { createRoute, z } from '@hono/zod-openapi';
import { requireRole } from '../../../core/access/api-keys.js';
import { DomainError, ErrorCodes } from '../../../core/errors.js';
import { testSendIssue } from '../../../core/issues/preview.js';
import type { AdminDeps } from '../deps.js';
import { apiApp } from './context.js';
import { errors, IdParam } from './schemas.js';

/** An issue sent to a few editors before it goes to the readers. */
export function testSendsApi(deps: AdminDeps) {
  const api = apiApp();
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
  return api;
}
