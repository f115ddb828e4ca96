/**
 * Webhooks end to end on the local stack: endpoints registered through the admin API, readers'
 * changes made through the public routes, deliveries made by the stack's in-process sender (the
 * drain the tick runs on AWS) to a receiver on loopback that checks every signature with the
 * documented code (docs/verify-webhook.mjs), across an outage, and until its endpoint is disabled.
 * Retries are fast here (WEBHOOK_RETRY_BASE_MS), not different.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyDispatchSignature } from '../../docs/verify-webhook.mjs';
import { buildAppDeps, buildEventDeps, parseConfig } from '../../functions/config.js';
import { createApiKey } from '../../functions/core/access/api-keys.js';
import { handleSesEvent } from '../../functions/core/events/ses-events.js';
import { transitionIssue } from '../../functions/core/issues/manage-issues.js';
import { createAdminApp } from '../../functions/http/admin/admin-app.js';
import { createApp } from '../../functions/http/app.js';
import { subscriberIdFor } from '../../functions/core/subscribers/subscriber.js';
import { signatureHeader } from '../../functions/core/webhooks/signature.js';
import type { LocalStack } from '../../local/stack.js';
import { adminApi } from '../support/admin-api.js';
import { linkIn, uniqueEmail } from '../support/builders.js';
import { captureLogger } from '../support/logger.js';
import { emailsTo, startTestStack, waitFor } from '../support/stack.js';
import { encodeSegment, hostileString, sendChecked } from '../security/fuzz-support.js';
import { startFaultProxy } from '../support/fault-proxy.js';

type Received = {
  eventId: string;
  verified: boolean;
  event: {
    id: string;
    type: string;
    createdAt: string;
    data: { reader: { id: string; email: string } };
  };
};

/** A receiver as a customer would write one: it verifies, records, and answers as told. */
class Receiver {
  received: Received[] = [];
  /** Record the next request but answer 500: a receiver that did the work and then failed. */
  failNextAfterRecording = false;
  private server?: Server;
  port = 0;
  secret = '';

  async start(port = 0) {
    this.server = createServer(async (req, res) => {
      const body = await text(req);
      const header = String(req.headers['dispatch-signature'] ?? '');
      const event = JSON.parse(body);
      this.received.push({
        eventId: String(req.headers['dispatch-event-id']),
        verified: verifyDispatchSignature(this.secret, header, body),
        event,
      });
      const fail = this.failNextAfterRecording;
      this.failNextAfterRecording = false;
      res.writeHead(fail ? 500 : 204).end();
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop() {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  get url() {
    return `http://127.0.0.1:${this.port}/hook`;
  }

  of(type: string, email: string) {
    return this.received.filter(
      (r) => r.event.type === type && r.event.data.reader.email === email,
    );
  }
}

const text = async (req: IncomingMessage) => {
  let body = '';
  for await (const chunk of req) body += chunk;
  return body;
};

let stack: LocalStack;
let app: ReturnType<typeof createAdminApp>;
let editor: string;
let viewer: string;
const logger = captureLogger();
const receivers: Receiver[] = [];

beforeAll(async () => {
  stack = await startTestStack({
    WEBHOOK_RETRY_BASE_MS: '50',
    WEBHOOK_DISABLE_AFTER_FAILURES: '5',
    // Three seconds: the outage below is shorter, the dead receiver's failures last longer.
    WEBHOOK_DISABLE_AFTER_MINUTES: '0.05',
  });
  app = createAdminApp(stack.deps, { logger });
  editor = (
    await createApiKey(stack.deps, { name: 'Editor', email: 'editor@example.org', role: 'editor' })
  ).key;
  viewer = (
    await createApiKey(stack.deps, { name: 'Viewer', email: 'viewer@example.org', role: 'viewer' })
  ).key;
});
afterAll(async () => {
  for (const r of receivers) await r.stop();
  await stack?.close();
});

const call = adminApi(() => app);
const post = (path: string, body?: unknown) =>
  fetch(`${stack.appUrl}${path}`, {
    method: 'POST',
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });

const allReaderEvents = [
  'reader.created',
  'reader.confirmed',
  'reader.unsubscribed',
  'reader.preferences_changed',
  'reader.erased',
];

async function register(receiver: Receiver, events = allReaderEvents) {
  const response = await call('/webhooks', editor, { url: receiver.url, events });
  expect(response.status).toBe(201);
  const body = (await response.json()) as { endpoint: { id: string }; secret: string };
  receiver.secret = body.secret;
  return body.endpoint.id;
}

async function receiver(port = 0) {
  const r = new Receiver();
  await r.start(port);
  receivers.push(r);
  return r;
}

describe('webhook endpoints in the admin API', () => {
  it('shows the secret once, refuses a viewer (403) and a bad URL or no events (422, naming the field)', async () => {
    const r = await receiver();
    const id = await register(r, ['reader.created']);
    expect(r.secret).toMatch(/^whsec_[0-9a-f]{64}$/);
    const listed = await (await call('/webhooks', viewer)).text();
    const one = await (await call(`/webhooks/${id}`, viewer)).text();
    expect(listed).toContain(id);
    expect(listed).not.toContain(r.secret);
    expect(one).not.toContain(r.secret);

    const refused = await call('/webhooks', viewer, { url: r.url, events: ['reader.created'] });
    expect(refused.status).toBe(403);
    for (const [input, field] of [
      [{ url: 'ftp://example.org/hook', events: ['reader.created'] }, 'url'],
      [{ url: 'not a url', events: ['reader.created'] }, 'url'],
      [{ url: r.url, events: [] }, 'events'],
      [{ url: r.url, events: ['reader.kidnapped'] }, 'events'],
    ] as const) {
      const bad = await call('/webhooks', editor, input);
      expect(bad.status).toBe(422);
      const { error } = (await bad.json()) as { error: { issues: { field: string }[] } };
      expect(error.issues.map((i) => i.field.split('.')[0])).toContain(field);
    }
    expect((await call(`/webhooks/${id}/remove`, editor, {})).status).toBe(204);
    expect((await call(`/webhooks/${id}`, editor)).status).toBe(404);
  });

  it('is in the OpenAPI document with its schemas', async () => {
    const document = (await (await call('/openapi.json', undefined)).json()) as {
      paths: Record<string, Record<string, unknown>>;
      components: { schemas: Record<string, unknown> };
    };
    expect(Object.keys(document.paths['/webhooks']!).sort()).toEqual(['get', 'post']);
    expect(Object.keys(document.paths['/webhooks/{id}/replay']!)).toEqual(['post']);
    for (const name of ['WebhookInput', 'WebhookEndpoint', 'WebhookDelivery', 'WebhookReplay'])
      expect(document.components.schemas, name).toHaveProperty(name);
  });

  it('refuses http, loopback and private addresses when the stage is deployed (https)', async () => {
    const deployed = createAdminApp(
      { ...stack.deps, addressPolicy: { deployed: true } },
      { logger },
    );
    const asDeployed = adminApi(() => deployed);
    for (const url of [
      'http://example.org/hook',
      'https://127.0.0.1/hook',
      'https://localhost/hook',
      'https://[::1]/hook',
      'https://10.0.0.8/hook',
      'https://169.254.169.254/latest/meta-data',
    ]) {
      const response = await asDeployed('/webhooks', editor, { url, events: ['reader.created'] });
      expect(response.status, url).toBe(422);
      const { error } = (await response.json()) as { error: { issues: { field: string }[] } };
      expect(error.issues.map((i) => i.field)).toEqual(['url']);
    }
  });
});

describe('bad input on the webhook routes', () => {
  it('answers hostile URLs, events, ids and bodies with a 4xx naming the field, never a 5xx', async () => {
    const json = (body: unknown) => ({
      authorization: `Bearer ${editor}`,
      'content-type': 'application/json',
      body: JSON.stringify(body),
    });
    await fc.assert(
      fc.asyncProperty(
        hostileString,
        fc.array(hostileString, { maxLength: 3 }),
        fc.anything(),
        async (text, events, anything) => {
          for (const body of [
            { url: text, events: ['reader.created'] },
            { url: `https://${text}/hook`, events },
            { url: anything, events: anything },
            anything,
          ]) {
            const { body: sent, ...headers } = json(body);
            await sendChecked(app, {
              method: 'POST',
              path: '/api/admin/webhooks',
              headers,
              body: sent,
            });
          }
          const id = encodeSegment(text);
          const auth = { authorization: `Bearer ${editor}` };
          await sendChecked(app, {
            method: 'GET',
            path: `/api/admin/webhooks/${id}`,
            headers: auth,
          });
          const { body: replay, ...headers } = json({ eventId: anything });
          await sendChecked(app, {
            method: 'POST',
            path: `/api/admin/webhooks/${id}/replay`,
            headers,
            body: replay,
          });
        },
      ),
      { numRuns: 60 },
    );
    // Whatever was accepted on the way (a hostile but valid loopback URL) is removed again.
    for (const e of await stack.deps.webhooks.listEndpoints())
      await stack.deps.webhooks.deleteEndpoint(e.id);
  });
});

describe('deliveries', () => {
  it('signs every delivery and delivers every event at least once across an outage, a duplicate with the same event id', async () => {
    const r = await receiver();
    const id = await register(r);
    const before = uniqueEmail('hook-before');
    expect((await post('/api/subscribe', { email: before })).status).toBe(202);
    await waitFor(
      async () => (r.of('reader.created', before).length ? true : undefined),
      'the first delivery',
    );

    // The receiver does the work for the next event but answers 500, then goes down.
    r.failNextAfterRecording = true;
    const [confirmation] = await emailsTo(stack.sesEndpoint, before);
    expect((await post(new URL(linkIn(confirmation!.body.text!, 'confirm')).pathname)).status).toBe(
      200,
    );
    await waitFor(
      async () => (r.of('reader.confirmed', before).length ? true : undefined),
      'the confirmation event',
    );
    await r.stop();
    const during = [uniqueEmail('hook-during'), uniqueEmail('hook-during')];
    for (const email of during) expect((await post('/api/subscribe', { email })).status).toBe(202);
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    await r.start(r.port);

    await waitFor(
      async () =>
        r.of('reader.confirmed', before).length >= 2 &&
        during.every((email) => r.of('reader.created', email).length >= 1)
          ? true
          : undefined,
      'every event after the outage',
      20_000,
    );
    expect(r.received.every((x) => x.verified)).toBe(true);
    expect(r.received.every((x) => x.eventId === x.event.id)).toBe(true);
    // The event the receiver failed to acknowledge came again, under the same id.
    expect(new Set(r.of('reader.confirmed', before).map((x) => x.eventId)).size).toBe(1);
    for (const email of [before, ...during])
      expect(new Set(r.of('reader.created', email).map((x) => x.eventId)).size).toBe(1);

    type Page = {
      endpoint: { state: string; consecutiveFailures: number };
      deliveries: { state: string; attempts: number; type: string }[];
    };
    const read = async () => (await (await call(`/webhooks/${id}`, viewer)).json()) as Page;
    // The receiver has every event before the sender records its last answer: the success that
    // resets the endpoint's failure count is written after the receiver's 204.
    await waitFor(
      async () => ((await read()).endpoint.consecutiveFailures === 0 ? true : undefined),
      'the endpoint recorded as healthy again',
    );
    const { endpoint, deliveries } = await read();
    expect(endpoint).toMatchObject({ state: 'active', consecutiveFailures: 0 });
    expect(deliveries.filter((d) => d.state === 'delivered')).toHaveLength(4);
    expect(deliveries.some((d) => d.attempts > 1)).toBe(true);
    await call(`/webhooks/${id}/remove`, editor, {});
  });

  it("keeps a reader's event on their record when its request cannot queue it, and the sweep delivers it once", async () => {
    const r = await receiver();
    const id = await register(r, ['reader.created', 'reader.unsubscribed']);
    const email = uniqueEmail('hook-kept');
    expect((await post('/api/subscribe', { email })).status).toBe(202);
    const [confirmation] = await emailsTo(stack.sesEndpoint, email);
    await post(new URL(linkIn(confirmation!.body.text!, 'confirm')).pathname);
    const welcome = await waitFor(
      async () =>
        (await emailsTo(stack.sesEndpoint, email)).find((e) => e.subject.startsWith('Welcome')),
      'the welcome',
    );
    // The unsubscribe goes through its own app, whose DynamoDB refuses every webhook delivery
    // write (a 500 the table never saw): the reader's change lands, its event cannot be queued.
    const proxy = await startFaultProxy({
      upstream: stack.dynamodbEndpoint,
      policy: ({ operation, body }) =>
        operation === 'PutItem' && body.includes('"WEBHOOK#') ? { kind: 'fail' } : { kind: 'pass' },
    });
    const endpoint = process.env.AWS_ENDPOINT_URL_DYNAMODB;
    process.env.AWS_ENDPOINT_URL_DYNAMODB = proxy.url;
    try {
      const cut = createApp(await buildAppDeps(parseConfig(process.env)));
      const unsubscribe = new URL(linkIn(welcome.body.text!, 'unsubscribe')).pathname;
      const answer = await cut.request(unsubscribe, { method: 'POST' });
      expect(answer.status).toBe(200);
    } finally {
      process.env.AWS_ENDPOINT_URL_DYNAMODB = endpoint;
      await proxy.close();
    }
    expect(proxy.requests.some((q) => q.fate === 'fail')).toBe(true);
    const stored = await stack.deps.subscribers.get(subscriberIdFor(email));
    expect(stored?.state).toBe('unsubscribed');
    // The stack's outbox sweep (the tick's on AWS) finds it on the record and queues it.
    await waitFor(
      async () => (r.of('reader.unsubscribed', email).length ? true : undefined),
      'the kept event, delivered',
    );
    await waitFor(
      async () =>
        (await stack.deps.subscribers.get(subscriberIdFor(email)))?.events ? undefined : true,
      'the event taken off the record',
    );
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(r.of('reader.unsubscribed', email)).toHaveLength(1);
    expect(r.of('reader.created', email)).toHaveLength(1);
    expect(r.of('reader.unsubscribed', email)[0]!.event.data.reader).toEqual({
      id: subscriberIdFor(email),
      email,
      state: 'unsubscribed',
    });
    await call(`/webhooks/${id}/remove`, editor, {});
  });

  it('makes a signup of a new address write what a known one does, its reader.created riding on the record', async () => {
    const r = await receiver();
    const id = await register(r, ['reader.created']);
    const proxy = await startFaultProxy({ upstream: stack.dynamodbEndpoint });
    const endpoint = process.env.AWS_ENDPOINT_URL_DYNAMODB;
    process.env.AWS_ENDPOINT_URL_DYNAMODB = proxy.url;
    const known = uniqueEmail('hook-known');
    const fresh = uniqueEmail('hook-new');
    const writes: string[][] = [];
    try {
      const counted = createApp(await buildAppDeps(parseConfig(process.env)));
      const signup = (email: string) =>
        counted.request('/api/subscribe', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email }),
        });
      expect((await signup(known)).status).toBe(202);
      for (const email of [known, fresh]) {
        const from = proxy.requests.length;
        expect((await signup(email)).status).toBe(202);
        writes.push(
          proxy.requests
            .slice(from)
            .map((q) => q.operation)
            .filter((op) => !['GetItem', 'BatchGetItem', 'Query'].includes(op)),
        );
      }
    } finally {
      process.env.AWS_ENDPOINT_URL_DYNAMODB = endpoint;
      await proxy.close();
    }
    // The same writes, one each: the known address's second signup and the new address's first.
    expect(writes[0]).toEqual(writes[1]);
    expect(writes[0]).toHaveLength(1);
    await waitFor(
      async () => (r.of('reader.created', fresh).length ? true : undefined),
      'the new reader told of',
    );
    expect(r.of('reader.created', known)).toHaveLength(1);
    await call(`/webhooks/${id}/remove`, editor, {});
  });

  it('tells of each email SES accepts, delivers or bounces, once per SES event', async () => {
    const r = await receiver();
    const id = await register(r, ['email.sent', 'email.delivered', 'email.bounced']);
    const reader = uniqueEmail('hook-mail');
    const bouncing = `bounce+${Date.now()}@simulator.amazonses.com`;
    for (const email of [reader, bouncing])
      expect((await post('/api/subscribe', { email })).status).toBe(202);
    await waitFor(
      async () =>
        r.of('email.delivered', reader).length && r.of('email.bounced', bouncing).length
          ? true
          : undefined,
      'the email events',
      20_000,
    );
    await waitFor(async () => (r.of('email.sent', bouncing).length ? true : undefined), 'sent');
    expect(r.received.every((x) => x.verified)).toBe(true);
    const [sent] = r.of('email.sent', reader);
    expect(sent!.event.data).toMatchObject({
      reader: { id: subscriberIdFor(reader), email: reader },
      email: { kind: 'confirmation' },
    });
    expect(r.of('email.bounced', bouncing)[0]!.event.data).toMatchObject({
      email: { kind: 'confirmation', bounceType: 'Permanent' },
    });
    expect(r.of('email.bounced', reader)).toEqual([]);
    // The same SES event handled again (Lambda's retry) queues the same event id, kept once.
    const before = (await stack.deps.webhooks.deliveriesOf(id, 100)).length;
    const deps = buildEventDeps(parseConfig(process.env));
    const messageId = (sent!.event.data as unknown as { email: { messageId: string } }).email
      .messageId;
    await handleSesEvent(deps, {
      eventType: 'Send',
      mail: {
        messageId,
        timestamp: sent!.event.createdAt,
        destination: [reader],
        tags: { kind: ['confirmation'] },
      },
    });
    expect((await stack.deps.webhooks.deliveriesOf(id, 100)).length).toBe(before);
    await call(`/webhooks/${id}/remove`, editor, {});
  });

  it('tells of an issue starting and being sent, once each, naming no reader', async () => {
    const r = await receiver();
    const id = await register(r, ['issue.started', 'issue.sent']);
    const created = await call('/issues', editor, {
      article: 'nato-western-balkans-stability',
      subject: 'Hooked issue',
    });
    const { issue } = (await created.json()) as { issue: { id: string } };
    expect((await call(`/issues/${issue.id}/send`, editor, {})).status).toBe(200);
    expect((await call(`/issues/${issue.id}/pause`, editor, {})).status).toBe(200);
    expect((await call(`/issues/${issue.id}/resume`, editor, {})).status).toBe(200);
    // The worker's own last step, once every shard is done.
    await transitionIssue(stack.deps, issue.id, 'finish');
    await waitFor(async () => (r.received.length >= 2 ? true : undefined), 'the issue events');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(r.received.map((x) => x.event.type)).toEqual(['issue.started', 'issue.sent']);
    expect(r.received.every((x) => x.verified)).toBe(true);
    expect(r.received[1]!.event.data).toMatchObject({
      issue: { id: issue.id, subject: 'Hooked issue', finishedAt: expect.any(String) },
    });
    expect(JSON.stringify(r.received.map((x) => x.event))).not.toContain('@');
    await call(`/webhooks/${id}/remove`, editor, {});
  });

  it('disables an endpoint after repeated failure, says why, and an editor replays what it missed', async () => {
    const r = await receiver();
    const port = r.port;
    await r.stop();
    const id = await register(r, ['reader.created', 'reader.erased']);
    const email = uniqueEmail('hook-dead');
    expect((await post('/api/subscribe', { email })).status).toBe(202);

    const disabled = await waitFor(
      async () => {
        const { endpoint } = (await (await call(`/webhooks/${id}`, viewer)).json()) as {
          endpoint: { state: string; disabledReason?: string };
        };
        return endpoint.state === 'disabled' ? endpoint : undefined;
      },
      'the endpoint disabled',
      20_000,
    );
    expect(disabled.disabledReason).toMatch(/failed attempts in a row .*ECONNREFUSED/);
    expect(r.received).toHaveLength(0);
    // An event while disabled is kept, given up, for the replay.
    const erased = await app.request(`/api/admin/subscribers/${subscriberIdFor(email)}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${editor}` },
    });
    expect(erased.status).toBe(204);
    const given = await waitFor(async () => {
      const { deliveries } = (await (await call(`/webhooks/${id}`, viewer)).json()) as {
        deliveries: { state: string; eventId: string; reason?: string }[];
      };
      return deliveries.length === 2 && deliveries.every((d) => d.state === 'failed')
        ? deliveries
        : undefined;
    }, 'both deliveries given up');

    await r.start(port);
    expect((await call(`/webhooks/${id}/replay`, viewer, {})).status).toBe(403);
    const replayed = await call(`/webhooks/${id}/replay`, editor, {});
    expect(replayed.status).toBe(200);
    expect(await replayed.json()).toMatchObject({ endpoint: { state: 'active' }, replayed: 2 });
    await waitFor(
      async () => (r.received.length >= 2 ? true : undefined),
      'the replayed deliveries',
    );
    expect(r.received.every((x) => x.verified)).toBe(true);
    expect(new Set(r.received.map((x) => x.eventId))).toEqual(new Set(given.map((d) => d.eventId)));
    expect(r.received.map((x) => x.event.type).sort()).toEqual(['reader.created', 'reader.erased']);
  });
});

describe('the documented verification code', () => {
  it('is the code the receiver above runs, byte for byte', async () => {
    const doc = await readFile('docs/webhooks.md', 'utf8');
    const code = await readFile('docs/verify-webhook.mjs', 'utf8');
    expect(doc).toContain(`\`\`\`js\n${code}\`\`\``);
  });

  it('refuses a wrong secret, a changed body and a stale timestamp', async () => {
    const now = new Date();
    const header = signatureHeader('whsec_a', '{"a":1}', now);
    expect(verifyDispatchSignature('whsec_a', header, '{"a":1}', now.getTime())).toBe(true);
    expect(verifyDispatchSignature('whsec_b', header, '{"a":1}', now.getTime())).toBe(false);
    expect(verifyDispatchSignature('whsec_a', header, '{"a":2}', now.getTime())).toBe(false);
    expect(verifyDispatchSignature('whsec_a', header, '{"a":1}', now.getTime() + 301_000)).toBe(
      false,
    );
  });
});
