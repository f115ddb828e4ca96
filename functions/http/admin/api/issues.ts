import { createRoute, z } from '@hono/zod-openapi';
import { resumeAndFanOut, sendNowAndFanOut } from '../../../core/delivery/start-now.js';
import { IssueStates, type IssueState } from '../../../core/issues/issue.js';
import {
  cancelIssue,
  createArticleIssue,
  createIssueSchema,
  issueReport,
  pauseIssue,
  scheduleIssue,
} from '../../../core/issues/manage-issues.js';
import type { AdminDeps } from '../deps.js';
import { AbReportSchema, AbTestSchema } from './ab-test.js';
import { ResolutionSchema } from './ambiguous.js';
import { EngagementSchema } from './engagement.js';
import { SendingHoldSchema } from './sending-hold.js';
import { apiApp, idempotent, ok } from './context.js';
import { errors, IdempotencyHeader, IdParam, IssueEditSchema } from './schemas.js';

const states = Object.values(IssueStates) as [IssueState, ...IssueState[]];
export const IssueSchema = z
  .object({
    id: z.string(),
    content: z.union([
      z.object({ kind: z.literal('article'), slug: z.string() }),
      z.object({
        kind: z.literal('digest'),
        frequency: z.enum(['daily', 'weekly']),
        period: z.string(),
        slugs: z.array(z.string()),
      }),
    ]),
    subject: z.string(),
    editorNote: z.string().optional(),
    audience: z.object({ topics: z.array(z.string()), frequencies: z.array(z.string()) }),
    segment: z
      .object({
        id: z.string(),
        name: z.string(),
        match: z.enum(['all', 'any']),
        rules: z.array(z.object({ kind: z.string() }).passthrough()),
      })
      .optional()
      .openapi({
        description:
          'The segment it targets: a copy of its rules taken when the issue was made (see GET /segments/{id} for the rule shapes)',
      }),
    abTest: AbTestSchema.optional(),
    state: z.enum(states),
    scheduledAt: z.string().optional(),
    createdAt: z.string(),
    startedAt: z.string().optional(),
    finishedAt: z.string().optional(),
    total: z.number().optional().openapi({
      description:
        "Recipients: the dashboard counters' estimate while `totalEstimated`, then the send workers' exact count (each shard counts its own, off the request)",
    }),
    totalEstimated: z.boolean().optional().openapi({
      description: 'true while `total` is an estimate; absent once it is exact',
    }),
    shards: z.number().optional().openapi({
      description: 'Send shards, fixed when it starts (absent on issues started with 8)',
    }),
    pause: z
      .object({
        reason: z.string(),
        at: z.string(),
        resumeAfter: z.string().optional(),
        message: z.string().optional(),
      })
      .optional(),
    history: z.array(IssueEditSchema).optional().openapi({
      description: "Editors' edits before it started, oldest first (absent: never edited)",
    }),
    version: z.number().int().openapi({
      description:
        'Moves on with every change: give it to PATCH /issues/{id} to edit what you read',
    }),
  })
  .openapi('Issue');
const CountsSchema = z.object({
  sent: z.number(),
  skipped: z.number(),
  failed: z.number(),
  suppressed: z.number(),
  ambiguous: z.number(),
});
const ReportSchema = z
  .object({
    issue: IssueSchema,
    counts: CountsSchema,
    remaining: z.number(),
    shardsDone: z.number(),
    ambiguous: z.array(z.string()).openapi({
      description: 'Subscriber ids; their addresses: GET /issues/{id}/ambiguous',
    }),
    resolutions: z.array(ResolutionSchema),
    pendingResend: z.number(),
    failures: z.array(z.object({ subscriberId: z.string(), reason: z.string() })),
    engagement: EngagementSchema,
    abTest: AbReportSchema.optional(),
  })
  .openapi('IssueReport');
export const TransitionSchema = z
  .object({
    issue: IssueSchema,
    changed: z.boolean(),
    held: SendingHoldSchema.optional().openapi({
      description:
        "Present when a start (send, resume) found sending held: the issue was left paused with the hold's reason, not started",
    }),
  })
  .openapi('Transition');

/** Issues and digests: list, create, report, schedule, send, pause, resume, cancel. */
export function issuesApi(deps: AdminDeps) {
  const api = apiApp();
  const change = idempotent(deps);
  api.openapi(
    createRoute({
      method: 'get',
      path: '/issues',
      summary: 'List issues',
      security: [{ bearer: [] }],
      request: { query: z.object({ state: z.enum(states).optional() }) },
      responses: {
        200: {
          description: 'Issues, newest first',
          content: { 'application/json': { schema: z.object({ issues: z.array(IssueSchema) }) } },
        },
        401: errors[401],
        422: errors[422],
      },
    }),
    async (c) => {
      const { state } = c.req.valid('query');
      const issues = (
        await Promise.all((state ? [state] : states).map((s) => deps.issues.listByState(s)))
      )
        .flat()
        .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
      return c.json({ issues: issues as z.infer<typeof IssueSchema>[] }, 200);
    },
  );

  const createBody = createIssueSchema(
    deps.publication.topics.map((t) => t.id),
    deps.publication.fields,
  ).openapi('CreateIssue');
  api.openapi(
    createRoute({
      method: 'post',
      path: '/issues',
      summary: 'Create a draft issue for an article',
      security: [{ bearer: [] }],
      request: {
        headers: IdempotencyHeader,
        body: { required: true, content: { 'application/json': { schema: createBody } } },
      },
      responses: {
        201: {
          description: 'The draft',
          content: { 'application/json': { schema: z.object({ issue: IssueSchema }) } },
        },
        401: errors[401],
        403: errors[403],
        409: errors[409],
        422: errors[422],
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      return change(c, body, async () => ({
        status: 201,
        body: { issue: await createArticleIssue(deps, body) },
      })) as never;
    },
  );

  api.openapi(
    createRoute({
      method: 'get',
      path: '/issues/{id}',
      summary: 'Progress while sending, the report afterwards',
      security: [{ bearer: [] }],
      request: { params: IdParam },
      responses: {
        200: {
          description: 'The report',
          content: { 'application/json': { schema: ReportSchema } },
        },
        401: errors[401],
        404: errors[404],
      },
    }),
    async (c) => c.json((await issueReport(deps, c.req.valid('param').id)) as never, 200),
  );

  const ScheduleBody = z
    .object({
      at: z.string().datetime({ offset: true, message: 'must be an ISO 8601 date and time' }),
    })
    .openapi('Schedule');
  api.openapi(
    createRoute({
      method: 'post',
      path: '/issues/{id}/schedule',
      summary: 'Schedule a draft or scheduled issue',
      security: [{ bearer: [] }],
      request: {
        params: IdParam,
        headers: IdempotencyHeader,
        body: { required: true, content: { 'application/json': { schema: ScheduleBody } } },
      },
      responses: {
        200: {
          description: 'Scheduled',
          content: { 'application/json': { schema: TransitionSchema } },
        },
        ...errors,
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const id = c.req.valid('param').id;
      return change(c, body, async () =>
        ok(await scheduleIssue(deps, id, new Date(body.at))),
      ) as never;
    },
  );

  const actions = {
    send: ['Send now (draft or scheduled)', sendNowAndFanOut],
    pause: ['Pause a scheduled or sending issue', (d: AdminDeps, id: string) => pauseIssue(d, id)],
    resume: ['Resume a paused issue', resumeAndFanOut],
    cancel: ['Cancel: nothing more is sent', cancelIssue],
  } as const;
  for (const [action, [summary, run]] of Object.entries(actions)) {
    api.openapi(
      createRoute({
        method: 'post',
        path: `/issues/{id}/${action}`,
        summary,
        security: [{ bearer: [] }],
        request: { params: IdParam, headers: IdempotencyHeader },
        responses: {
          200: {
            description: 'The issue after the move (changed: false if it already was there)',
            content: { 'application/json': { schema: TransitionSchema } },
          },
          ...errors,
        },
      }),
      async (c) =>
        change(c, null, async () => ok(await run(deps, c.req.valid('param').id))) as never,
    );
  }

  return api;
}
