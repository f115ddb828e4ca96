import { createRoute, z } from '@hono/zod-openapi';
import { WebhookEventTypes } from '../../../core/webhooks/endpoint.js';
import {
  endpointWithDeliveries,
  listEndpoints,
  registerEndpoint,
  removeEndpoint,
  replayEndpoint,
} from '../../../core/webhooks/manage.js';
import { viewOf } from '../../../core/webhooks/endpoint.js';
import type { AdminDeps } from '../deps.js';
import { apiApp } from './context.js';
import { errors, IdParam, json } from './schemas.js';

const EventType = z.enum(WebhookEventTypes).openapi('WebhookEventType');

export const WebhookInput = z
  .object({
    url: z
      .string()
      .trim()
      .min(1, 'is required')
      .openapi({ description: 'https (and a public address) on a deployed stage' }),
    events: z.array(EventType).min(1, 'choose at least one event'),
    description: z.string().trim().max(200).optional(),
  })
  .openapi('WebhookInput');

const EndpointSchema = z
  .object({
    id: z.string(),
    url: z.string(),
    events: z.array(EventType),
    description: z.string().optional(),
    state: z.enum(['active', 'disabled']),
    disabledReason: z.string().optional().describe('Why it was disabled (repeated failure)'),
    disabledAt: z.string().optional(),
    consecutiveFailures: z.number().int(),
    failingSince: z.string().optional(),
    lastFailure: z.string().optional(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('WebhookEndpoint');

const DeliverySchema = z
  .object({
    eventId: z.string().describe('Dispatch-Event-Id: the same on every attempt and every replay'),
    type: EventType,
    state: z.enum(['queued', 'delivering', 'delivered', 'failed']),
    createdAt: z.string(),
    dueAt: z.string(),
    giveUpAt: z.string(),
    attempts: z.number().int(),
    lastResult: z.string().optional(),
    deliveredAt: z.string().optional(),
    failedAt: z.string().optional(),
    reason: z.string().optional(),
  })
  .openapi('WebhookDelivery');

const ReplayInput = z
  .object({
    eventId: z.string().optional().describe('Only this event; absent: every given-up delivery'),
  })
  .openapi('WebhookReplay');

const shown = <T extends object>(o: T) => EndpointSchema.parse(o);
const delivery = (d: object) => DeliverySchema.parse(d);

/** Webhook endpoints: register one (its secret shown in this answer only), read, replay, remove. */
export function webhooksApi(deps: AdminDeps) {
  const api = apiApp();
  api.openapi(
    createRoute({
      method: 'get',
      path: '/webhooks',
      summary: 'Webhook endpoints (never their secrets)',
      security: [{ bearer: [] }],
      responses: {
        200: {
          description: 'Endpoints',
          content: json(z.object({ endpoints: z.array(EndpointSchema) })),
        },
        401: errors[401],
      },
    }),
    async (c) => c.json({ endpoints: (await listEndpoints(deps)).map(shown) }, 200),
  );
  api.openapi(
    createRoute({
      method: 'post',
      path: '/webhooks',
      summary: 'Register an endpoint; the answer carries its signing secret, shown this once',
      security: [{ bearer: [] }],
      request: { body: { required: true, content: json(WebhookInput) } },
      responses: {
        201: {
          description: 'Registered',
          content: json(
            z.object({
              endpoint: EndpointSchema,
              secret: z.string().describe('The HMAC key of Dispatch-Signature; not shown again'),
            }),
          ),
        },
        ...errors,
      },
    }),
    async (c) => {
      const endpoint = await registerEndpoint(deps, c.req.valid('json'));
      c.header('cache-control', 'no-store');
      return c.json({ endpoint: shown(viewOf(endpoint)), secret: endpoint.secret }, 201);
    },
  );
  api.openapi(
    createRoute({
      method: 'get',
      path: '/webhooks/{id}',
      summary: 'One endpoint and its latest deliveries (newest first)',
      security: [{ bearer: [] }],
      request: { params: IdParam },
      responses: {
        200: {
          description: 'The endpoint',
          content: json(
            z.object({ endpoint: EndpointSchema, deliveries: z.array(DeliverySchema) }),
          ),
        },
        401: errors[401],
        404: errors[404],
      },
    }),
    async (c) => {
      const found = await endpointWithDeliveries(deps, c.req.valid('param').id);
      return c.json(
        { endpoint: shown(found.endpoint), deliveries: found.deliveries.map(delivery) },
        200,
      );
    },
  );
  api.openapi(
    createRoute({
      method: 'post',
      path: '/webhooks/{id}/replay',
      summary: 'Enable the endpoint again and queue its given-up deliveries (same event ids)',
      security: [{ bearer: [] }],
      request: { params: IdParam, body: { required: false, content: json(ReplayInput) } },
      responses: {
        200: {
          description: 'Replayed',
          content: json(z.object({ endpoint: EndpointSchema, replayed: z.number().int() })),
        },
        ...errors,
      },
    }),
    async (c) => {
      const body = c.req.header('content-type') ? c.req.valid('json') : {};
      const result = await replayEndpoint(deps, c.req.valid('param').id, body.eventId);
      return c.json({ endpoint: shown(result.endpoint), replayed: result.replayed }, 200);
    },
  );
  api.openapi(
    createRoute({
      method: 'post',
      path: '/webhooks/{id}/remove',
      summary: 'Remove an endpoint and its deliveries',
      security: [{ bearer: [] }],
      request: { params: IdParam },
      responses: { 204: { description: 'Removed' }, ...errors },
    }),
    async (c) => {
      await removeEndpoint(deps, c.req.valid('param').id);
      return c.body(null, 204);
    },
  );
  return api;
}
