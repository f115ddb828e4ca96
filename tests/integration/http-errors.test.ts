/**
 * One error model: every code that reaches the wire is declared in `ErrorCodes` and described by
 * the OpenAPI document, answered with its one status; the workspace's pages answer a DynamoDB
 * throttle as the API does (503 with Retry-After), in the workspace's own layout.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../functions/adapters/dynamo/client.js';
import { DynamoSubscriberRepository } from '../../functions/adapters/dynamo/dynamo-subscribers.js';
import { createApiKey } from '../../functions/core/access/api-keys.js';
import { ErrorCodes } from '../../functions/core/errors.js';
import { createAdminApp } from '../../functions/http/admin/admin-app.js';
import { createApp } from '../../functions/http/app.js';
import { statusOf } from '../../functions/http/errors.js';
import type { LocalStack } from '../../local/stack.js';
import { uniqueEmail } from '../support/builders.js';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy.js';
import { captureLogger, quietLogger } from '../support/logger.js';
import { startTestStack } from '../support/stack.js';

let stack: LocalStack;
let proxy: FaultProxy;
const throttle = { on: false };
let app: ReturnType<typeof createAdminApp>;
let cookie: string;
let key: string;

beforeAll(async () => {
  stack = await startTestStack();
  // The subscribers' table throttled at will, before the request reaches it: as DynamoDB does
  // under load, answered by a proxy in front of the table.
  proxy = await startFaultProxy({
    upstream: stack.dynamodbEndpoint,
    policy: () => (throttle.on ? { kind: 'throttle' } : { kind: 'pass' }),
  });
  const client = createDocumentClient({ maxAttempts: 1, endpoint: proxy.url });
  const subscribers = new DynamoSubscriberRepository(client, stack.env.TABLE_NAME!);
  app = createAdminApp({ ...stack.deps, subscribers }, { logger: quietLogger() });
  key = (
    await createApiKey(stack.deps, {
      name: 'Errors editor',
      email: 'errors.editor@example.org',
      role: 'editor',
    })
  ).key;
  const signedIn = await app.request('/admin/sign-in', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ key }).toString(),
  });
  cookie = signedIn.headers.get('set-cookie')!.split(';')[0]!;
});
afterAll(async () => {
  await proxy?.close();
  await stack?.close();
});

type Envelope = { error: { code: string; message: string; issues?: unknown[] } };
const declared: string[] = Object.values(ErrorCodes);

/** The answer carries a declared code, with the one status that code has. */
async function expectDeclared(response: Response, code: string) {
  const body = (await response.json()) as Envelope;
  expect(body.error.code).toBe(code);
  expect(declared).toContain(body.error.code);
  expect(response.status).toBe(statusOf[code as keyof typeof statusOf]);
  expect(body.error.message).toMatch(/\S/);
}

describe('a DynamoDB throttle', () => {
  it('on a workspace page: 503 with Retry-After, in the workspace layout, as the API answers it', async () => {
    throttle.on = true;
    try {
      const page = await app.request('/admin', { headers: { cookie } });
      const api = await app.request('/api/admin/stats', {
        headers: { authorization: `Bearer ${key}` },
      });
      expect(page.status).toBe(503);
      expect(page.headers.get('retry-after')).toMatch(/^\d+$/);
      const html = await page.text();
      expect(html).toContain('That did not work');
      expect(html).toContain('The database is busy; please try again.');
      expect(html).toContain('<nav aria-label="Admin">');
      expect(api.status).toBe(page.status);
      expect(api.headers.get('retry-after')).toBe(page.headers.get('retry-after'));
      await expectDeclared(api, ErrorCodes.unavailable);
    } finally {
      throttle.on = false;
    }
    expect((await app.request('/admin', { headers: { cookie } })).status).toBe(200);
  });
});

describe('every error code on the wire is declared', () => {
  it('the OpenAPI document lists exactly ErrorCodes as the error codes', async () => {
    const document = (await (await app.request('/api/admin/openapi.json')).json()) as {
      components: { schemas: { Error: { properties: { error: { properties: unknown } } } } };
    };
    const code = (document.components.schemas.Error.properties.error.properties as never)[
      'code'
    ] as { enum: string[] };
    expect([...code.enum].sort()).toEqual([...declared].sort());
  });

  it('413, 415, 400, 422 and 500 carry declared codes, each with its status', async () => {
    const post = (path: string, type: string, body: string, headers = {}) =>
      app.request(path, { method: 'POST', headers: { 'content-type': type, ...headers }, body });
    const email = uniqueEmail('errors');
    const big = JSON.stringify({ email, padding: 'x'.repeat(70 * 1024) });
    await expectDeclared(
      await post('/api/subscribe', 'application/json', big),
      ErrorCodes.payloadTooLarge,
    );
    await expectDeclared(
      await post('/api/subscribe', 'text/plain', `email=${email}`),
      ErrorCodes.unsupportedMediaType,
    );
    await expectDeclared(
      await post('/api/subscribe', 'application/json', '{"email":'),
      ErrorCodes.malformedRequest,
    );
    const editor = { authorization: `Bearer ${key}` };
    await expectDeclared(
      await post('/api/admin/issues', 'application/json', '{"article":', editor),
      ErrorCodes.malformedRequest,
    );
    await expectDeclared(
      await post('/api/admin/issues', 'application/json', '{"article":42}', editor),
      ErrorCodes.invalidInput,
    );
    await expectDeclared(
      await post('/api/admin/suppressions', 'application/json', '{"email":"a@b.c"}', editor),
      ErrorCodes.invalidInput,
    );

    const logger = captureLogger();
    const broken = createApp(
      {
        ...stack.deps,
        subscribers: new Proxy(stack.deps.subscribers, {
          get: () => async () => {
            throw new Error('the disk is on fire');
          },
        }),
      },
      { logger },
    );
    const failed = await broken.request('/api/subscribe', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email }),
    });
    const requestId = failed.headers.get('x-request-id');
    await expectDeclared(failed, ErrorCodes.internal);
    const errors = logger.lines.filter((line) => line.level === 'ERROR');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ requestId, path: '/api/subscribe' });
    expect(String(errors[0]!.error)).toContain('the disk is on fire');
  });
});
