import { createRoute, z } from '@hono/zod-openapi';
import { clearHold, currentHold } from '../../../core/issues/sending-hold.js';
import type { AdminDeps } from '../deps.js';
import { apiApp, idempotent, ok } from './context.js';
import { errors, IdempotencyHeader } from './schemas.js';

export const SendingHoldSchema = z
  .object({
    alarm: z.string().openapi({ description: 'The SES reputation alarm that set it' }),
    reason: z
      .string()
      .openapi({ description: "CloudWatch's reason for the alarm's move to ALARM" }),
    since: z.string().openapi({ description: 'When it was set (ISO 8601)' }),
  })
  .openapi('SendingHold', {
    description:
      'While set, nothing starts a bulk send: Send now, a schedule, a digest, an approved article and a resume leave the issue paused with this reason. Transactional email goes on.',
  });

/** The sending hold an SES reputation alarm sets: read it, and clear it (an editor). */
export function sendingHoldApi(deps: AdminDeps) {
  const api = apiApp();
  const change = idempotent(deps);
  api.openapi(
    createRoute({
      method: 'get',
      path: '/sending-hold',
      summary: 'The sending hold, if an SES reputation alarm set one (null: sending is not held)',
      security: [{ bearer: [] }],
      responses: {
        200: {
          description: 'The hold, or null',
          content: {
            'application/json': { schema: z.object({ hold: SendingHoldSchema.nullable() }) },
          },
        },
        401: errors[401],
      },
    }),
    async (c) => c.json({ hold: (await currentHold(deps)) ?? null }, 200),
  );
  api.openapi(
    createRoute({
      method: 'delete',
      path: '/sending-hold',
      summary:
        'Clear the sending hold: bulk sends may start again; paused issues stay paused until each is resumed',
      security: [{ bearer: [] }],
      request: { headers: IdempotencyHeader },
      responses: {
        200: {
          description: 'The hold cleared, or null when none was set',
          content: {
            'application/json': { schema: z.object({ cleared: SendingHoldSchema.nullable() }) },
          },
        },
        401: errors[401],
        403: errors[403],
        409: errors[409],
      },
    }),
    async (c) =>
      change(c, null, async () => ok({ cleared: (await clearHold(deps)) ?? null })) as never,
  );
  return api;
}
