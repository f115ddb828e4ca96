import { createRoute, z } from '@hono/zod-openapi';
import { startDigest } from '../../../core/issues/digests.js';
import { digestSegments, setDigestSegment } from '../../../core/segments/manage.js';
import type { AdminDeps } from '../deps.js';
import { apiApp, idempotent, ok } from './context.js';
import { IssueSchema } from './issues.js';
import { errors, IdempotencyHeader, json } from './schemas.js';

/** This period's digest, started by hand: once per period, as its schedule would. */
export function digestsApi(deps: AdminDeps) {
  const api = apiApp();
  const change = idempotent(deps);
  api.openapi(
    createRoute({
      method: 'post',
      path: '/digests',
      summary: "Start this period's daily or weekly digest (one per period, as its schedule would)",
      description:
        "Refused (422 naming `segment`, with its count, 0) when the frequency's segment reaches none of this digest's readers; nothing is started.",
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
        ok(await startDigest(deps, body.frequency, deps.clock.now(), { byHand: true })),
      ) as never;
    },
  );
  const Chosen = z
    .object({ id: z.string(), name: z.string() })
    .nullable()
    .describe(
      "The segment the frequency's digests go to (its readers on it), or null: all of them",
    );
  const chosen = (s: { id: string; name: string } | null) => s && { id: s.id, name: s.name };
  const DigestSegments = z.object({ daily: Chosen, weekly: Chosen }).openapi('DigestSegments');
  api.openapi(
    createRoute({
      method: 'get',
      path: '/digests/segments',
      summary: "Each digest frequency's segment, if its digests are narrowed to one",
      security: [{ bearer: [] }],
      responses: {
        200: { description: 'Per frequency', content: json(DigestSegments) },
        401: errors[401],
      },
    }),
    async (c) => {
      const { daily, weekly } = await digestSegments(deps);
      return c.json({ daily: chosen(daily), weekly: chosen(weekly) }, 200);
    },
  );
  api.openapi(
    createRoute({
      method: 'put',
      path: '/digests/{frequency}/segment',
      summary: "Narrow a frequency's digests to a segment's readers on it, or (null) undo that",
      description:
        'Each digest copies the segment’s rules when it starts. Refused (422 naming `segment`) for a segment that is not saved or reaches no reader of the frequency now; the segment cannot be deleted while set.',
      security: [{ bearer: [] }],
      request: {
        headers: IdempotencyHeader,
        params: z.object({
          frequency: z
            .enum(['daily', 'weekly'])
            .openapi({ param: { name: 'frequency', in: 'path' } }),
        }),
        body: {
          required: true,
          content: json(
            z.object({ segment: z.string().max(64).nullable() }).openapi('DigestSegmentInput'),
          ),
        },
      },
      responses: {
        200: { description: 'Set', content: json(z.object({ segment: Chosen })) },
        ...errors,
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const { frequency } = c.req.valid('param');
      return change(c, body, async () =>
        ok({ segment: chosen(await setDigestSegment(deps, frequency, body.segment)) }),
      ) as never;
    },
  );
  return api;
}
