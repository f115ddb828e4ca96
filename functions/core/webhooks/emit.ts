import type { Clock } from '../clock.js';
import { givenUpDelivery, newEventId, queuedDelivery, type WebhookEvent } from './delivery.js';
import type { WebhookEndpoint, WebhookEventType } from './endpoint.js';
import type { WebhookStore } from './ports.js';

/**
 * The endpoints as read at most this long ago, per store (per process): an import of 100,000 rows
 * reads them once a second, not once a row. A change made in this process (registering, replay,
 * removal) forgets them at once; another instance sees it within the second.
 */
const ENDPOINTS_TTL_MS = 1_000;
const endpointCache = new WeakMap<
  WebhookStore,
  { at: number; generation: number; endpoints: Promise<WebhookEndpoint[]> }
>();
/** Raised by every change to an endpoint in this process: every store's cache is stale then. */
let generation = 0;

export function forgetEndpoints() {
  generation++;
}

function endpointsOf(store: WebhookStore): Promise<WebhookEndpoint[]> {
  const cached = endpointCache.get(store);
  const fresh = cached && performance.now() - cached.at < ENDPOINTS_TTL_MS;
  if (cached && fresh && cached.generation === generation) return cached.endpoints;
  const endpoints = store.listEndpoints();
  endpointCache.set(store, { at: performance.now(), generation, endpoints });
  // A failed read is not kept: the next event reads again.
  endpoints.catch(() => endpointCache.delete(store));
  return endpoints;
}

/** What emitting needs; absent (unit tests of other rules, the CLI), nothing is emitted. */
export type EmitDeps = { webhooks?: WebhookStore; clock: Clock };

/** The endpoints that asked for `type` (as read at most a second ago), active or not. */
export async function endpointsWanting(
  deps: EmitDeps,
  type: WebhookEventType,
): Promise<WebhookEndpoint[]> {
  if (!deps.webhooks) return [];
  return (await endpointsOf(deps.webhooks)).filter((e) => e.events.includes(type));
}

/**
 * Queues one event for every endpoint that asked for it: items written, nobody called. The
 * receivers are called by the webhook sender (drain.ts), never here. An endpoint disabled now
 * gets the event as given up, so an editor's replay, once its receiver is fixed, delivers what
 * it missed.
 */
export async function emitEvent(
  deps: EmitDeps,
  type: WebhookEventType,
  data: Record<string, unknown>,
  /** An id and time fixed by what the event reports (an SES event), so a retry emits it once. */
  fixed?: Pick<WebhookEvent, 'id' | 'createdAt'>,
): Promise<void> {
  const endpoints = await endpointsWanting(deps, type);
  if (!deps.webhooks || endpoints.length === 0) return;
  const now = deps.clock.now();
  const event: WebhookEvent = {
    id: fixed?.id ?? newEventId(now),
    type,
    createdAt: fixed?.createdAt ?? now.toISOString(),
    data,
  };
  await deps.webhooks.addDeliveries(
    endpoints.map((endpoint) => {
      const queued = queuedDelivery(endpoint.id, event);
      return endpoint.state === 'active'
        ? queued
        : { ...givenUpDelivery(queued, 'endpoint disabled', now), version: 1 };
    }),
  );
}
