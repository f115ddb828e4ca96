import { randomBytes, randomUUID } from 'node:crypto';

/**
 * The events an endpoint may ask for (docs/webhooks.md, "Events"): a reader's own changes, what
 * SES says of each email, and an issue's start and end.
 */
export const WebhookEventTypes = [
  'reader.created',
  'reader.confirmed',
  'reader.unsubscribed',
  'reader.preferences_changed',
  'reader.erased',
  'email.sent',
  'email.delivered',
  'email.bounced',
  'email.complained',
  'email.opened',
  'email.clicked',
  'issue.started',
  'issue.sent',
] as const;
export type WebhookEventType = (typeof WebhookEventTypes)[number];

/** active → disabled (after repeated failure, or by an editor) → active again (an editor). */
export type EndpointState = 'active' | 'disabled';

export type WebhookEndpoint = {
  id: string;
  url: string;
  events: WebhookEventType[];
  /** The HMAC key, 32 random bytes as hex: returned once, at creation, and never again. */
  secret: string;
  description?: string;
  state: EndpointState;
  disabledReason?: string;
  disabledAt?: string;
  /** Failed attempts since the last success, and when the first of them was made. */
  consecutiveFailures: number;
  failingSince?: string;
  lastFailure?: string;
  createdAt: string;
  updatedAt: string;
  version: number;
};

/** The endpoint as the API and the workspace show it: everything but the secret. */
export type EndpointView = Omit<WebhookEndpoint, 'secret' | 'version'>;
export const viewOf = ({ secret: _secret, version: _version, ...view }: WebhookEndpoint) => view;

/**
 * Disabled after this many failed attempts in a row spanning at least DISABLE_SPAN_MS: a burst
 * of failures during a short outage (a deploy, a restart) does not disable it, a day-long one does.
 */
export const DISABLE_AFTER_FAILURES = 20;
export const DISABLE_SPAN_MS = 60 * 60_000;

export function newEndpoint(
  input: { url: string; events: WebhookEventType[]; description?: string },
  now: Date,
): WebhookEndpoint {
  const at = now.toISOString();
  return {
    id: `whe_${randomUUID().replaceAll('-', '')}`,
    url: input.url,
    events: [...new Set(input.events)],
    secret: `whsec_${randomBytes(32).toString('hex')}`,
    ...(input.description ? { description: input.description } : {}),
    state: 'active',
    consecutiveFailures: 0,
    createdAt: at,
    updatedAt: at,
    version: 1,
  };
}

export type DisablePolicy = { failures: number; spanMs: number };
export const defaultDisablePolicy: DisablePolicy = {
  failures: DISABLE_AFTER_FAILURES,
  spanMs: DISABLE_SPAN_MS,
};

/** One failed attempt counted; disabled, with the reason, once the policy's threshold is met. */
export function afterFailedAttempt(
  endpoint: WebhookEndpoint,
  reason: string,
  now: Date,
  policy: DisablePolicy = defaultDisablePolicy,
): WebhookEndpoint {
  const failures = endpoint.consecutiveFailures + 1;
  const since = endpoint.failingSince ?? now.toISOString();
  const at = now.toISOString();
  const next: WebhookEndpoint = {
    ...endpoint,
    consecutiveFailures: failures,
    failingSince: since,
    lastFailure: reason,
    updatedAt: at,
  };
  const span = now.getTime() - Date.parse(since);
  if (endpoint.state === 'active' && failures >= policy.failures && span >= policy.spanMs)
    return {
      ...next,
      state: 'disabled',
      disabledAt: at,
      disabledReason: `${failures} failed attempts in a row since ${since}; the last: ${reason}`,
    };
  return next;
}

export function afterSuccess(endpoint: WebhookEndpoint, now: Date): WebhookEndpoint | undefined {
  if (endpoint.consecutiveFailures === 0) return undefined;
  const { failingSince: _f, lastFailure: _l, ...rest } = endpoint;
  return { ...rest, consecutiveFailures: 0, updatedAt: now.toISOString() };
}

/** An editor's "enable": active again, its failure count cleared. */
export function enabled(endpoint: WebhookEndpoint, now: Date): WebhookEndpoint {
  const {
    disabledAt: _a,
    disabledReason: _r,
    failingSince: _f,
    lastFailure: _l,
    ...rest
  } = endpoint;
  return { ...rest, state: 'active', consecutiveFailures: 0, updatedAt: now.toISOString() };
}
