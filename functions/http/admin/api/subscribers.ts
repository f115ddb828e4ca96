import { createRoute, z } from '@hono/zod-openapi';
import { requireRole } from '../../../core/access/api-keys.js';
import {
  eraseSubscriber,
  findSubscriber,
  subscriberData,
} from '../../../core/subscribers/personal-data.js';
import { listSubscribers } from '../../../core/subscribers/list.js';
import { subscribe } from '../../../core/subscribers/subscribe.js';
import { normalizeEmail } from '../../../core/email-address.js';
import { type Subscriber, subscriberIdFor } from '../../../core/subscribers/subscriber.js';
import { NAME_MAX_LENGTH } from '../../../core/subscribers/fields.js';
import type { AdminDeps } from '../deps.js';
import { apiApp, idempotent } from './context.js';
import { errors, IdempotencyHeader } from './schemas.js';

/** The dashboard counters, and subscribers: find, list, add, erase (exports: exports.ts, imports: imports.ts). */
export function subscribersApi(deps: AdminDeps) {
  const api = apiApp();
  const change = idempotent(deps);
  api.openapi(
    createRoute({
      method: 'get',
      path: '/stats',
      summary:
        "The dashboard's counters: subscribers by state, topic and frequency; joins and leaves per day",
      security: [{ bearer: [] }],
      responses: {
        200: {
          description: 'Counters',
          content: {
            'application/json': { schema: z.object({ counts: z.record(z.string(), z.number()) }) },
          },
        },
        401: errors[401],
      },
    }),
    async (c) => c.json({ counts: await deps.subscribers.counts() }, 200),
  );
  const declared = deps.publication.fields ?? [];
  const FieldValuesSchema = z
    .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
    .openapi('FieldValues', {
      description: `Custom fields by key, as content/fields.json declares them; an undeclared key or a wrong type is refused (422) naming \`fields.<key>\`. Declared: ${
        declared.length > 0
          ? declared
              .map(
                (f) =>
                  `${f.key} (${f.type}${f.options ? `: ${f.options.join(' | ')}` : ''}, ${f.visibility === 'public' ? 'public' : 'editors only'})`,
              )
              .join('; ')
          : 'none'
      }. A date is YYYY-MM-DD.`,
    });
  const SubscriberSchema = z
    .object({
      id: z.string(),
      email: z.string(),
      state: z.string(),
      topics: z.array(z.string()),
      frequency: z.string(),
      name: z.string().optional(),
      fields: FieldValuesSchema.optional(),
      consent: z.record(z.string(), z.unknown()),
      createdAt: z.string(),
      confirmedAt: z.string().optional(),
      unsubscribedAt: z.string().optional(),
      lastOpenedAt: z.string().optional().describe("The reader's latest open kept, to a day"),
      lastClickedAt: z.string().optional().describe("The reader's latest click kept, to a day"),
      firstSentAt: z.string().optional().describe('When the reader was first sent an issue'),
    })
    .openapi('Subscriber');
  const SubscriberId = z.object({ id: z.string().openapi({ param: { name: 'id', in: 'path' } }) });

  api.openapi(
    createRoute({
      method: 'get',
      path: '/subscribers',
      summary:
        'Find one subscriber by address, or list them in address order a page at a time, by state, topic, frequency, address prefix and text in the address',
      description:
        'Served by an index (never a scan): a page holds `limit` matches (default 100) unless the list ends, or rarely, when one request read its budget of the index before finding them all; then it is short and has a cursor.',
      security: [{ bearer: [] }],
      request: {
        query: z.object({
          email: z.string().max(320).optional().openapi({ description: 'The exact address' }),
          prefix: z.string().max(320).optional().openapi({ description: 'The address begins' }),
          contains: z.string().max(320).optional().openapi({
            description:
              'Text anywhere in the address, any case; read in address order within a budget, so a page may be short and carry a cursor',
          }),
          state: z.string().max(32).optional(),
          topic: z.string().max(64).optional(),
          frequency: z.string().max(32).optional(),
          limit: z.string().max(4).optional().openapi({ description: '1 to 500' }),
          cursor: z.string().max(2000).optional(),
        }),
      },
      responses: {
        200: {
          description: 'Subscribers',
          content: {
            'application/json': {
              schema: z.object({
                subscribers: z.array(SubscriberSchema),
                cursor: z.string().optional(),
              }),
            },
          },
        },
        401: errors[401],
        422: errors[422],
      },
    }),
    async (c) => {
      const { email, ...query } = c.req.valid('query');
      if (email !== undefined) {
        const found = await findSubscriber(deps, email);
        return c.json({ subscribers: found ? [listed(found)] : [] } as never, 200);
      }
      const page = await listSubscribers(deps, query);
      return c.json({ subscribers: page.items.map(listed), cursor: page.cursor } as never, 200);
    },
  );

  const AddSubscriber = z
    .object({
      email: z.string(),
      topics: z.array(z.string()).optional(),
      frequency: z.string().optional(),
      name: z
        .string()
        .max(NAME_MAX_LENGTH)
        .optional()
        .openapi({
          description: `What the reader is called (\`%%name%%\`): at most ${NAME_MAX_LENGTH} characters, one line`,
        }),
      fields: FieldValuesSchema.optional(),
    })
    .openapi('AddSubscriber');
  api.openapi(
    createRoute({
      method: 'post',
      path: '/subscribers',
      summary: 'Add a subscriber: they are sent a confirmation, as from the signup form',
      security: [{ bearer: [] }],
      request: {
        headers: IdempotencyHeader,
        body: { required: true, content: { 'application/json': { schema: AddSubscriber } } },
      },
      responses: {
        202: {
          description: 'A confirmation is on its way (if the address may subscribe)',
          content: { 'application/json': { schema: z.object({ status: z.literal('pending') }) } },
        },
        ...errors,
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      return change(c, body, async () => {
        await subscribe(deps, body, 'admin');
        const address = normalizeEmail(body.email);
        const reader = address.ok ? subscriberIdFor(address.email) : undefined;
        return { status: 202 as never, body: { status: 'pending' }, reader };
      }) as never;
    },
  );

  api.openapi(
    createRoute({
      method: 'get',
      path: '/subscribers/{id}',
      summary: 'Everything kept about one reader (access request)',
      security: [{ bearer: [] }],
      request: { params: SubscriberId },
      responses: {
        200: {
          description: 'The reader’s data',
          content: {
            'application/json': { schema: SubscriberSchema.extend({ suppressed: z.boolean() }) },
          },
        },
        401: errors[401],
        404: errors[404],
      },
    }),
    async (c) => c.json((await subscriberData(deps, c.req.valid('param').id)) as never, 200),
  );

  api.openapi(
    createRoute({
      method: 'delete',
      path: '/subscribers/{id}',
      summary: 'Erase a reader for good; only a suppression hash remains',
      security: [{ bearer: [] }],
      request: { params: SubscriberId },
      responses: {
        204: { description: 'Erased' },
        401: errors[401],
        403: errors[403],
        404: errors[404],
      },
    }),
    async (c) => {
      requireRole(c.get('apiKey'), 'editor');
      await eraseSubscriber(deps, c.req.valid('param').id);
      return c.body(null, 204);
    },
  );

  return api;
}

/**
 * A record as the API lists it: without what the record carries only for the next write to
 * settle (the dashboard's owed counts, webhook events not yet queued).
 */
function listed({ countsOwed: _owed, events: _events, ...subscriber }: Subscriber) {
  return subscriber;
}
