import { createRoute, z } from '@hono/zod-openapi';
import {
  createSegment,
  deleteSegment,
  getSegment,
  listSegments,
  previewSegment,
  SAMPLE_SIZE,
  updateSegment,
} from '../../../core/segments/manage.js';
import {
  ruleShapes,
  segmentEditSchema,
  segmentInputSchema,
} from '../../../core/segments/segment.js';
import type { AdminDeps } from '../deps.js';
import { apiApp, idempotent } from './context.js';
import { errors, IdempotencyHeader, IdParam, json } from './schemas.js';

const ruleSchema = () =>
  ruleShapes().openapi('SegmentRule', {
    description:
      'topics (any, all or none of them), frequency, field (a declared field: equals, not_equals, contains, greater_than, less_than, is_set, is_not_set, as its type allows) signup (before or after a YYYY-MM-DD, within_days or older_than_days) or engagement (opened_within, not_opened_within, clicked_within, not_clicked_within with days from 1 to 3650; never_opened, never_clicked with none), read against the send’s start and kept to a day',
  });

const segmentSchema = (Rule: ReturnType<typeof ruleSchema>) =>
  z
    .object({
      id: z.string(),
      name: z.string(),
      description: z.string().optional(),
      match: z.enum(['all', 'any']).describe('Every rule must hold, or any one of them'),
      rules: z.array(Rule),
      createdAt: z.string(),
      updatedAt: z.string(),
      version: z.number().int().describe('Give it to PATCH to edit what you read'),
    })
    .openapi('Segment');

const PreviewSchema = z
  .object({
    count: z.number().int().describe('Confirmed readers in the segment, exactly'),
    sample: z
      .array(z.string())
      .max(SAMPLE_SIZE)
      .describe(`The first ${SAMPLE_SIZE} of their addresses, in address order`),
  })
  .openapi('SegmentPreview');

/** Segments: saved audiences of rules; list, create, read, edit, delete, preview. */
export function segmentsApi(deps: AdminDeps) {
  const api = apiApp();
  const change = idempotent(deps);
  const Rule = ruleSchema();
  const SegmentSchema = segmentSchema(Rule);
  const Input = segmentInputSchema(deps.publication, Rule).openapi('SegmentInput');
  const Edit = segmentEditSchema(deps.publication, Rule).openapi('SegmentEdit');
  const one = (segment: object) => ({ segment: SegmentSchema.parse(segment) });

  api.openapi(
    createRoute({
      method: 'get',
      path: '/segments',
      summary: 'Saved segments, by name',
      security: [{ bearer: [] }],
      responses: {
        200: {
          description: 'Segments',
          content: json(z.object({ segments: z.array(SegmentSchema) })),
        },
        401: errors[401],
      },
    }),
    async (c) =>
      c.json({ segments: (await listSegments(deps)).map((s) => SegmentSchema.parse(s)) }, 200),
  );
  api.openapi(
    createRoute({
      method: 'post',
      path: '/segments',
      summary: 'Save a segment',
      security: [{ bearer: [] }],
      request: { headers: IdempotencyHeader, body: { required: true, content: json(Input) } },
      responses: {
        201: { description: 'Saved', content: json(z.object({ segment: SegmentSchema })) },
        ...errors,
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      return change(c, body, async () => ({
        status: 201,
        body: one(await createSegment(deps, body)),
      })) as never;
    },
  );
  api.openapi(
    createRoute({
      method: 'post',
      path: '/segments/preview',
      summary: 'Preview a definition before saving it: its count and a few addresses',
      security: [{ bearer: [] }],
      request: { body: { required: true, content: json(Input) } },
      responses: { 200: { description: 'Its readers', content: json(PreviewSchema) }, ...errors },
    }),
    async (c) => c.json(await previewSegment(deps, c.req.valid('json')), 200),
  );
  api.openapi(
    createRoute({
      method: 'get',
      path: '/segments/{id}',
      summary: 'One segment',
      security: [{ bearer: [] }],
      request: { params: IdParam },
      responses: {
        200: { description: 'The segment', content: json(z.object({ segment: SegmentSchema })) },
        401: errors[401],
        404: errors[404],
      },
    }),
    async (c) => c.json(one(await getSegment(deps, c.req.valid('param').id)), 200),
  );
  api.openapi(
    createRoute({
      method: 'get',
      path: '/segments/{id}/preview',
      summary: "A saved segment's readers now: their count and a few addresses",
      security: [{ bearer: [] }],
      request: { params: IdParam },
      responses: {
        200: { description: 'Its readers', content: json(PreviewSchema) },
        401: errors[401],
        404: errors[404],
      },
    }),
    async (c) =>
      c.json(await previewSegment(deps, await getSegment(deps, c.req.valid('param').id)), 200),
  );
  api.openapi(
    createRoute({
      method: 'patch',
      path: '/segments/{id}',
      summary: 'Edit a segment (issues already made keep the rules they copied)',
      security: [{ bearer: [] }],
      request: { params: IdParam, body: { required: true, content: json(Edit) } },
      responses: {
        200: { description: 'Edited', content: json(z.object({ segment: SegmentSchema })) },
        ...errors,
      },
    }),
    async (c) =>
      c.json(one(await updateSegment(deps, c.req.valid('param').id, c.req.valid('json'))), 200),
  );
  api.openapi(
    createRoute({
      method: 'delete',
      path: '/segments/{id}',
      summary: 'Delete a segment (issues already made keep the rules they copied)',
      security: [{ bearer: [] }],
      request: { params: IdParam },
      responses: { 204: { description: 'Deleted' }, ...errors },
    }),
    async (c) => {
      await deleteSegment(deps, c.req.valid('param').id);
      return c.body(null, 204);
    },
  );
  return api;
}
