import { type Context, Hono } from 'hono';
import { invalidInput } from '../../../core/errors.js';
import {
  type WebhookEventType,
  WebhookEventTypes,
  viewOf,
} from '../../../core/webhooks/endpoint.js';
import {
  endpointWithDeliveries,
  listEndpoints,
  registerEndpoint,
  removeEndpoint,
  replayEndpoint,
} from '../../../core/webhooks/manage.js';
import type { AdminDeps } from '../deps.js';
import type { Refused } from '../pages/form-problems.js';
import { WebhookCreated, WebhookList, WebhookPage } from '../pages/webhooks.js';
import { askFirst } from './ask-first.js';
import { noticeOf, page, redirect, type WorkspaceEnv } from './page.js';
import { backOnTheForm } from './refused.js';

/** The form's fields as the API's input: one checkbox per event (`event-<type>`). */
function inputOf(form: Record<string, unknown>) {
  const events = WebhookEventTypes.filter((t) => form[`event-${t}`] !== undefined);
  const url = typeof form.url === 'string' ? form.url.trim() : '';
  const description = typeof form.description === 'string' ? form.description.trim() : '';
  const issues = [
    ...(url ? [] : [{ field: 'url', message: 'is required' }]),
    ...(events.length ? [] : [{ field: 'events', message: 'choose at least one event' }]),
    ...(description.length > 200 ? [{ field: 'description', message: 'is too long' }] : []),
  ];
  if (issues.length) throw invalidInput(issues);
  return { url, events: events as WebhookEventType[], ...(description ? { description } : {}) };
}

export const webhookRoutes = (deps: AdminDeps) => {
  const list = async (c: Context<WorkspaceEnv>, refused?: Refused) =>
    page(
      c,
      'Webhooks',
      <WebhookList
        endpoints={await listEndpoints(deps)}
        csrf={c.get('session').csrf}
        notice={noticeOf(c)}
        refused={refused}
      />,
      refused ? 422 : 200,
    );
  return new Hono<WorkspaceEnv>()
    .get('/', async (c) => list(c))
    .post('/', backOnTheForm(list), async (c) => {
      const endpoint = await registerEndpoint(deps, inputOf(await c.req.parseBody()));
      // The secret's one showing: an answer of its own (201, never cached), not a redirect to a
      // page that could show it again.
      c.header('cache-control', 'no-store');
      return page(
        c,
        'Webhook registered',
        <WebhookCreated endpoint={viewOf(endpoint)} secret={endpoint.secret} />,
        201,
      );
    })
    .get('/:id', async (c) => {
      const { endpoint, deliveries } = await endpointWithDeliveries(deps, c.req.param('id'));
      return page(
        c,
        `Webhook: ${endpoint.url}`,
        <WebhookPage
          endpoint={endpoint}
          deliveries={deliveries}
          csrf={c.get('session').csrf}
          notice={noticeOf(c)}
        />,
      );
    })
    .post('/:id/replay', async (c) => {
      const id = c.req.param('id');
      await replayEndpoint(deps, id);
      return redirect(c, `/admin/webhooks/${encodeURIComponent(id)}?notice=replayed`);
    })
    .post(
      '/:id/remove',
      askFirst(async (c) => {
        const { endpoint } = await endpointWithDeliveries(deps, c.req.param('id') ?? '');
        return {
          title: `Remove the webhook to ${endpoint.url}?`,
          says: `${endpoint.url} is sent nothing more, and its deliveries, given-up ones included, are deleted: they cannot be replayed. Its secret stops working; a new endpoint gets a new one.`,
          button: `Remove the webhook to ${endpoint.url}`,
          back: `/admin/webhooks/${endpoint.id}`,
        };
      }),
      async (c) => {
        await removeEndpoint(deps, c.req.param('id'));
        return redirect(c, '/admin/webhooks?notice=webhook_removed');
      },
    );
};
