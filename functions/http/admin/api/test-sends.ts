import { createRoute, z } from '@hono/zod-openapi';
import { editorsOf, requireRole, Roles } from '../../../core/access/api-keys.js';
import { DomainError, ErrorCodes } from '../../../core/errors.js';
import { testSendIssue } from '../../../core/issues/preview.js';
import type { AdminDeps } from '../deps.js';
import { apiApp } from './context.js';
import { errors, IdParam } from './schemas.js';

const EditorSchema = z
  .object({ name: z.string(), email: z.string(), role: z.enum([Roles.editor, Roles.viewer]) })
  .openapi('Editor');

/** An issue sent to a few editors before it goes to the readers, and who the editors are. */
export function testSendsApi(deps: AdminDeps) {
  const api = apiApp();
  api.openapi(
    createRoute({
      method: 'get',
      path: '/editors',
      summary: 'The holders of the active keys and their addresses: where test sends may go',
      security: [{ bearer: [] }],
      responses: {
        200: {
          description: 'Editors by name (keys made without an address are not listed)',
          content: { 'application/json': { schema: z.object({ editors: z.array(EditorSchema) }) } },
        },
        401: errors[401],
      },
    }),
    async (c) => c.json({ editors: await editorsOf(deps) }, 200),
  );
  api.openapi(
    createRoute({
      method: 'post',
      path: '/issues/{id}/test',
      summary: "Send the issue to up to five editors' addresses (the keys'), subject marked [TEST]",
      security: [{ bearer: [] }],
      request: {
        params: IdParam,
        body: {
          required: true,
          content: {
            'application/json': {
              schema: z
                .object({
                  to: z.string().max(2000).optional().openapi({
                    description:
                      "Up to five addresses, of the workspace's keys only (GET /editors); absent: the calling key's own",
                  }),
                })
                .openapi('TestSend'),
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
      const to = c.req.valid('json').to;
      return c.json({ sentTo: await testSendIssue(deps, issue, to, c.get('apiKey')) }, 200);
    },
  );
  return api;
}
