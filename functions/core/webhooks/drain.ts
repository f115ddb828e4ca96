import {
  claimedDelivery,
  deliveredNow,
  failedAttempt,
  givenUpDelivery,
  isDueDelivery,
  type WebhookDelivery,
} from './delivery.js';
import { afterFailedAttempt, afterSuccess, type WebhookEndpoint } from './endpoint.js';
import { forgetEndpoints } from './emit.js';
import { EVENT_ID_HEADER, SIGNATURE_HEADER, signatureHeader } from './signature.js';
import type { PostResult, WebhookSenderDeps, WebhookStore } from './ports.js';

export type WebhookOutcome = 'delivered' | 'retry' | 'failed' | 'skipped';
export type WebhookDrainResult = Record<WebhookOutcome, number>;

const PAGE = 25;
/** Deliveries in flight at once: a receiver that hangs holds one slot for at most its timeout. */
const CONCURRENCY = 4;
const DEFAULT_RETRY_BASE_MS = 30_000;
const MAX_RACES = 5;

/**
 * Sends what is due until nothing is or the deadline is near: the one drain the tick (AWS) and
 * the local poller run. Each delivery is claimed by a conditional write before its POST and its
 * outcome written over that claim, so two drains never send the same attempt; a drain killed
 * mid-POST leaves a claim that is due again after its timeout (at least once).
 */
export async function drainWebhooks(
  deps: WebhookSenderDeps,
  options: { deadline?: number } = {},
): Promise<WebhookDrainResult> {
  const result: WebhookDrainResult = { delivered: 0, retry: 0, failed: 0, skipped: 0 };
  const outOfTime = () =>
    options.deadline !== undefined && deps.clock.now().getTime() >= options.deadline - 10_000;
  for (;;) {
    const due = await deps.webhooks.due(deps.clock.now(), PAGE);
    if (due.length === 0 || outOfTime()) return result;
    const before = result.skipped;
    for (let i = 0; i < due.length; i += CONCURRENCY) {
      const outcomes = await Promise.all(
        due.slice(i, i + CONCURRENCY).map((d) => deliverOne(deps, d)),
      );
      for (const outcome of outcomes) result[outcome]++;
      if (outOfTime()) return result;
    }
    // Every one of them taken by another drain: leave the rest to it.
    if (result.skipped - before === due.length) return result;
  }
}

/** One attempt at one delivery, as listed by the index (its version is what the claim expects). */
export async function deliverOne(
  deps: WebhookSenderDeps,
  listed: WebhookDelivery,
): Promise<WebhookOutcome> {
  const now = deps.clock.now();
  if (!isDueDelivery(listed, now)) return 'skipped';
  const endpoint = await deps.webhooks.getEndpoint(listed.endpointId);
  if (endpoint?.state !== 'active' || Date.parse(listed.giveUpAt) <= now.getTime()) {
    const why = !endpoint
      ? 'endpoint deleted'
      : endpoint.state !== 'active'
        ? 'endpoint disabled'
        : (listed.lastResult ?? 'expired');
    return (await deps.webhooks.saveDelivery(givenUpDelivery(listed, why, now)))
      ? 'failed'
      : 'skipped';
  }
  const claim = claimedDelivery(listed, now);
  if (!claim.body || !(await deps.webhooks.saveDelivery(claim))) return 'skipped';

  const result = await post(deps, endpoint, claim);
  const at = deps.clock.now();
  if ('status' in result && result.status >= 200 && result.status < 300) {
    await deps.webhooks.saveDelivery(deliveredNow(claim, `HTTP ${result.status}`, at));
    await mutateEndpoint(deps.webhooks, endpoint.id, (e) => afterSuccess(e, at));
    return 'delivered';
  }
  const why = 'status' in result ? `HTTP ${result.status}` : result.error;
  const next = failedAttempt(claim, why, at, deps.retryBaseMs ?? DEFAULT_RETRY_BASE_MS);
  await deps.webhooks.saveDelivery(next);
  await mutateEndpoint(deps.webhooks, endpoint.id, (e) =>
    afterFailedAttempt(e, why, at, deps.disablePolicy),
  );
  return next.state === 'failed' ? 'failed' : 'retry';
}

function post(
  deps: WebhookSenderDeps,
  endpoint: WebhookEndpoint,
  claim: WebhookDelivery,
): Promise<PostResult> {
  const body = claim.body ?? '';
  return deps.poster.post(
    endpoint.url,
    {
      'content-type': 'application/json',
      'user-agent': 'Dispatch-Webhooks/1',
      [SIGNATURE_HEADER]: signatureHeader(endpoint.secret, body, deps.clock.now()),
      [EVENT_ID_HEADER]: claim.eventId,
    },
    body,
  );
}

/** Read, decide, write on the version read; again on a lost race (a concurrent attempt's count). */
export async function mutateEndpoint(
  store: WebhookStore,
  id: string,
  decide: (current: WebhookEndpoint) => WebhookEndpoint | undefined,
): Promise<WebhookEndpoint | undefined> {
  for (let race = 0; race < MAX_RACES; race++) {
    const current = await store.getEndpoint(id);
    if (!current) return undefined;
    const next = decide(current);
    if (!next) return current;
    const stored = { ...next, version: current.version + 1 };
    if (await store.saveEndpoint(stored)) {
      forgetEndpoints(); // a disabled endpoint's next events are written as given up
      return stored;
    }
  }
  return undefined;
}
