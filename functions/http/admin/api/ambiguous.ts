import { createRoute, z } from '@hono/zod-openapi';
import { ambiguousReaders, resolveAmbiguous } from '../../../core/issues/ambiguous.js';
import { Resolutions } from '../../../core/issues/issue.js';
import type { AdminDeps } from '../deps.js';
import { apiApp, idempotent, ok } from './context.js';
import { errors, IdempotencyHeader, IdParam, json } from './schemas.js';

const AmbiguousReaderSchema = z
  .object({
    subscriberId: z.string(),
    email: z.string().optional().openapi({ description: 'Absent if the reader was erased since' }),
    claimedAt: z.string().optional(),
    why: z.string(),
  })
  .openapi('AmbiguousReader');
export const ResolutionSchema = z
  .object({
    subscriberId: z.string(),
    resolution: z.enum([Resolutions.delivered, Resolutions.release]),
    reason: z.string(),
    by: z.string(),
    at: z.string(),
    resent: z
      .object({ outcome: z.string(), at: z.string(), detail: z.string().optional() })
      .optional()
      .openapi({ description: "What a released reader's resend did, once a worker ran it" }),
  })
  .openapi('Resolution');
const ResolveBody = z
  .object({
    resolution: z.enum([Resolutions.delivered, Resolutions.release]).openapi({
      description:
        "delivered: SES did take it (its logs, the reader's inbox), never sent this issue; release: sent again by the issue's next send (a finished issue is reopened for its released readers only), which may deliver it twice",
    }),
    reason: z.string().trim().min(1, 'must say why').max(500),
  })
  .openapi('ResolveAmbiguous');
const SubscriberParam = IdParam.extend({
  subscriberId: z.string().openapi({ param: { name: 'subscriberId', in: 'path' } }),
});

/** Readers whose send proved nothing (a 5xx, a timeout, a worker killed mid-send), and an editor's decision on each. */
export function ambiguousApi(deps: AdminDeps) {
  const api = apiApp();
  const change = idempotent(deps);
  api.openapi(
    createRoute({
      method: 'get',
      path: '/issues/{id}/ambiguous',
      summary: 'The ambiguous readers of an issue, by address',
      security: [{ bearer: [] }],
      request: { params: IdParam },
      responses: {
        200: {
          description: 'Readers no editor has decided on yet',
          content: json(z.object({ readers: z.array(AmbiguousReaderSchema) })),
        },
        401: errors[401],
        404: errors[404],
      },
    }),
    async (c) => {
      const { readers } = await ambiguousReaders(deps, c.req.valid('param').id);
      return c.json({ readers }, 200);
    },
  );
  api.openapi(
    createRoute({
      method: 'post',
      path: '/issues/{id}/ambiguous/{subscriberId}',
      summary: 'Decide on an ambiguous reader: mark delivered, or release to be sent again',
      security: [{ bearer: [] }],
      request: {
        params: SubscriberParam,
        headers: IdempotencyHeader,
        body: { required: true, content: json(ResolveBody) },
      },
      responses: {
        200: {
          description: 'The decision, recorded with who made it, when and why',
          content: json(z.object({ resolution: ResolutionSchema })),
        },
        ...errors,
        409: {
          description:
            'The reader is not ambiguous for this issue (sent, decided on already, claimed by another issue, a receipt found), or a release of a cancelled issue',
          content: errors[409].content,
        },
      },
    }),
    async (c) => {
      const { id, subscriberId } = c.req.valid('param');
      const body = c.req.valid('json');
      const by = c.get('apiKey').name;
      return change(c, body, async () => ({
        ...ok({
          resolution: await resolveAmbiguous(
            deps,
            id,
            subscriberId,
            body.resolution,
            body.reason,
            by,
          ),
        }),
        reader: subscriberId,
      })) as never;
    },
  );
  return api;
}
