import { createRoute, z } from '@hono/zod-openapi';
import { issueEngagement } from '../../../core/issues/engagement-report.js';
import { subscriberHistory } from '../../../core/subscribers/engagement-history.js';
import type { AdminDeps } from '../deps.js';
import { apiApp } from './context.js';
import { errors, IdParam } from './schemas.js';

const count = (description: string) => z.number().int().openapi({ description });

export const EngagementSchema = z
  .object({
    delivered: count('Delivery events'),
    bounced: count('Bounce events'),
    complained: count('Complaint events'),
    opened: count("Readers' opens, every one (bots' apart)"),
    clicked: count("Readers' clicks, every one (bots' apart)"),
    uniqueOpened: count('Readers who opened at least once'),
    uniqueClicked: count('Readers who clicked at least one link'),
    botOpened: count("Opens by a scanner's or crawler's user agent"),
    botClicked: count(
      'Clicks within 10 s of delivery, or by a scanner’s user agent: link scanners, not readers',
    ),
  })
  .openapi('Engagement');

const LinkEngagementSchema = z
  .object({
    link: z.string(),
    clicks: count("Readers' clicks"),
    uniqueClickers: count('Readers who clicked it'),
    botClicks: count("Scanners' clicks"),
  })
  .openapi('LinkEngagement');

const ReaderEngagementSchema = z
  .object({
    issueId: z.string(),
    sentAt: z.string().optional().openapi({ description: 'When SES accepted it' }),
    messageId: z.string().optional().openapi({ description: "SES's message id" }),
    deliveredAt: z.string().optional(),
    openedAt: z.string().optional().openapi({ description: 'The first open' }),
    opens: z.number().int(),
    clicks: z.array(z.object({ link: z.string(), at: z.string() })),
  })
  .openapi('ReaderEngagement');

/** What readers did with issues: link by link, and reader by reader. */
export function engagementApi(deps: AdminDeps) {
  const api = apiApp();
  api.openapi(
    createRoute({
      method: 'get',
      path: '/issues/{id}/engagement',
      summary: "Opens and clicks of an issue, link by link, unique readers, bots' apart",
      security: [{ bearer: [] }],
      request: { params: IdParam },
      responses: {
        200: {
          description: 'The issue’s engagement',
          content: {
            'application/json': {
              schema: z
                .object({
                  issueId: z.string(),
                  totals: EngagementSchema,
                  links: z.array(LinkEngagementSchema),
                })
                .openapi('IssueEngagement'),
            },
          },
        },
        401: errors[401],
        404: errors[404],
      },
    }),
    async (c) => c.json(await issueEngagement(deps, c.req.valid('param').id), 200),
  );
  api.openapi(
    createRoute({
      method: 'get',
      path: '/subscribers/{id}/history',
      summary: 'What one reader received, opened and clicked, issue by issue, newest first',
      security: [{ bearer: [] }],
      request: { params: IdParam },
      responses: {
        200: {
          description: 'The reader’s history',
          content: {
            'application/json': {
              schema: z
                .object({ subscriberId: z.string(), issues: z.array(ReaderEngagementSchema) })
                .openapi('ReaderHistory'),
            },
          },
        },
        401: errors[401],
        404: errors[404],
      },
    }),
    async (c) => c.json(await subscriberHistory(deps, c.req.valid('param').id), 200),
  );
  return api;
}
