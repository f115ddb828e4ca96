import { DomainError, ErrorCodes } from '../errors.js';
import { checkWebhookUrl } from './address.js';
import { replayed, type WebhookDelivery } from './delivery.js';
import { mutateEndpoint } from './drain.js';
import { forgetEndpoints } from './emit.js';
import {
  enabled,
  newEndpoint,
  viewOf,
  type EndpointView,
  type WebhookEndpoint,
  type WebhookEventType,
} from './endpoint.js';
import type { WebhookDeps } from './ports.js';

const noSuchEndpoint = () => new DomainError(ErrorCodes.notFound, 'No such webhook endpoint.');
/** How many of an endpoint's deliveries its page and a replay look at. */
const RECENT = 200;

/** A new endpoint, its URL checked as a delivery will check it; the one answer with its secret. */
export async function registerEndpoint(
  deps: WebhookDeps,
  input: { url: string; events: WebhookEventType[]; description?: string },
): Promise<WebhookEndpoint> {
  const url = await checkWebhookUrl(input.url, deps.addressPolicy);
  const endpoint = newEndpoint({ ...input, url }, deps.clock.now());
  await deps.webhooks.createEndpoint(endpoint);
  forgetEndpoints();
  return endpoint;
}

export async function listEndpoints(deps: WebhookDeps): Promise<EndpointView[]> {
  return (await deps.webhooks.listEndpoints()).map(viewOf);
}

export async function endpointWithDeliveries(
  deps: WebhookDeps,
  id: string,
): Promise<{ endpoint: EndpointView; deliveries: WebhookDelivery[] }> {
  const endpoint = await deps.webhooks.getEndpoint(id);
  if (!endpoint) throw noSuchEndpoint();
  const deliveries = await deps.webhooks.deliveriesOf(id, RECENT);
  return { endpoint: viewOf(endpoint), deliveries: deliveries.map(withoutBody) };
}

/** The payload may name a reader: the API lists deliveries by id, type and outcome only. */
const withoutBody = ({ body: _body, ...rest }: WebhookDelivery) => rest as WebhookDelivery;

/**
 * An editor's replay: the endpoint active again (its failure count cleared) and its given-up
 * deliveries queued again, each with its own event id and body, for another day of retries; or
 * only the one `eventId` names.
 */
export async function replayEndpoint(
  deps: WebhookDeps,
  id: string,
  eventId?: string,
): Promise<{ endpoint: EndpointView; replayed: number }> {
  const now = deps.clock.now();
  const endpoint = await mutateEndpoint(deps.webhooks, id, (e) =>
    e.state === 'active' && e.consecutiveFailures === 0 ? undefined : enabled(e, now),
  );
  if (!endpoint) throw noSuchEndpoint();
  forgetEndpoints();
  const given = (await deps.webhooks.deliveriesOf(id, RECENT)).filter(
    (d) => d.state === 'failed' && (eventId === undefined || d.eventId === eventId),
  );
  if (eventId !== undefined && given.length === 0)
    throw new DomainError(ErrorCodes.notFound, 'No given-up delivery of that event.');
  let count = 0;
  for (const delivery of given)
    if (await deps.webhooks.saveDelivery(replayed(delivery, now))) count++;
  return { endpoint: viewOf(endpoint), replayed: count };
}

export async function removeEndpoint(deps: WebhookDeps, id: string): Promise<void> {
  if (!(await deps.webhooks.getEndpoint(id))) throw noSuchEndpoint();
  await deps.webhooks.deleteEndpoint(id);
  forgetEndpoints();
}
