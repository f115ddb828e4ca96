import type { Clock } from '../clock.js';
import type { WebhookDelivery } from './delivery.js';
import type { AddressPolicy } from './address.js';
import type { DisablePolicy, WebhookEndpoint } from './endpoint.js';

/**
 * Endpoints and their deliveries. Every write is conditional on the version read, as a
 * subscriber's: a claim, its outcome and an editor's replay never overwrite one another.
 */
export interface WebhookStore {
  listEndpoints(): Promise<WebhookEndpoint[]>;
  getEndpoint(id: string): Promise<WebhookEndpoint | undefined>;
  createEndpoint(endpoint: WebhookEndpoint): Promise<void>;
  /** False when the stored version is not `next.version - 1`. */
  saveEndpoint(next: WebhookEndpoint): Promise<boolean>;
  /** The endpoint and every delivery it has. */
  deleteEndpoint(id: string): Promise<void>;
  /** New deliveries of one event, one per endpoint, in one write where the store allows. */
  addDeliveries(deliveries: WebhookDelivery[]): Promise<void>;
  getDelivery(endpointId: string, eventId: string): Promise<WebhookDelivery | undefined>;
  saveDelivery(next: WebhookDelivery): Promise<boolean>;
  /** Queued deliveries that are due and claims past their timeout, oldest first. */
  due(now: Date, limit: number): Promise<WebhookDelivery[]>;
  /** One endpoint's deliveries, newest first (its page, its replay). */
  deliveriesOf(endpointId: string, limit: number): Promise<WebhookDelivery[]>;
}

/** What an attempt's POST came to: a status, or why there was none (refused, timed out…). */
export type PostResult = { status: number } | { error: string };

/** Sends one delivery: resolves the host again and connects only to a permitted address. */
export interface WebhookPoster {
  post(url: string, headers: Record<string, string>, body: string): Promise<PostResult>;
}

export type WebhookDeps = {
  webhooks: WebhookStore;
  clock: Clock;
  /** Where deliveries may go (a deployed stage refuses private addresses). */
  addressPolicy: AddressPolicy;
};

export type WebhookSenderDeps = WebhookDeps & {
  poster: WebhookPoster;
  /** The first retry's wait; each next one doubles (default 30 s). */
  retryBaseMs?: number;
  disablePolicy?: DisablePolicy;
};
