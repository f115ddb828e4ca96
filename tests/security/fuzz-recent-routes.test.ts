/**
 * Bad input on the routes added since the other fuzzers were written: the rate-limited sign-in
 * form, the admin API's routes beyond issues (subscribers, exports, imports, suppressions, the
 * outbox, approvals, editors, stats, digests, webhooks, segments), the workspace's audit, outbox,
 * import, ambiguous-reader, webhook and segment pages, and the same-origin check on every
 * workspace form. No 5xx, no redirect off the site, JSON rejections that name their field
 * (fuzz-support.ts › checkResponse), and: no session for a wrong key, no key in the logs, and
 * nothing done for a form from another site.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../functions/core/access/api-keys.js';
import { createAdminApp } from '../../functions/http/admin/admin-app.js';
import type { LocalStack } from '../../local/stack.js';
import { captureLogger, quietLogger } from '../support/logger.js';
import { startTestStack } from '../support/stack.js';
import { encodeSegment, hostileString, sendChecked, type Sent, tally } from './fuzz-support.js';

let stack: LocalStack;
let app: ReturnType<typeof createAdminApp>;
let editor: string;
let cookie: string;
let csrf: string;
const LIMIT = 10;

beforeAll(async () => {
  // The guessing limit on, as deployed: the sign-in fuzz must meet it.
  stack = await startTestStack({ KEY_FAILURES_PER_15_MIN: String(LIMIT) });
  // The editor's own requests come from an address no guesser here uses.
  app = createAdminApp(stack.deps, { clientIp: () => '192.0.2.10', logger: quietLogger() });
  editor = (
    await createApiKey(stack.deps, {
      name: 'Fuzz editor',
      email: 'fuzz.recent@example.org',
      role: 'editor',
    })
  ).key;
  const signedIn = await app.request('/admin/sign-in', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ key: editor }).toString(),
  });
  cookie = signedIn.headers.get('set-cookie')!.split(';')[0]!;
  csrf = /name="_csrf" value="([^"]+)"/.exec(
    await (await app.request('/admin', { headers: { cookie } })).text(),
  )![1]!;
}, 60_000);
afterAll(async () => {
  console.log(
    `fuzz-recent-routes: ${tally.requests} requests, statuses ${JSON.stringify(tally.statuses)}`,
  );
  await stack?.close();
});

const send = (sent: Sent, on: { request: typeof app.request } = app) => sendChecked(on, sent);

const id = fc
  .oneof(
    hostileString,
    fc.uuid(),
    fc.constantFrom('article-nato-western-balkans-stability', 'x', '..', 'a'.repeat(3000)),
  )
  .map(encodeSegment);
const query = fc.oneof(
  fc.constant(''),
  fc
    .tuple(
      fc.constantFrom('q', 'state', 'topic', 'frequency', 'cursor', 'limit', 'month', 'notice'),
      hostileString,
    )
    .map(([k, v]) => `?${k}=${encodeSegment(v)}`),
);
const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  fc.emailAddress(),
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(null, true, 0, -1, '', [], {}, 'security', 'weekly', '2099-01-01T00:00:00Z'),
);
const jsonBody = fc
  .dictionary(
    fc.constantFrom(
      'email',
      'emails',
      'reason',
      'role',
      'name',
      'resolution',
      'to',
      'topics',
      'frequency',
      'holder',
      'id',
      '__proto__',
    ),
    anyValue,
    { maxKeys: 4 },
  )
  .map((b) => JSON.stringify(b));
const formFields = fc.array(
  fc.tuple(
    fc.constantFrom('email', 'reason', 'holder', 'id', 'resolution', 'csv', 'key', 'to'),
    fc.oneof(hostileString, fc.emailAddress(), fc.constantFrom('subscriber', 'message', 'sent')),
  ),
  { maxLength: 5 },
);

describe('fuzzing the routes added recently', () => {
  it('POST /admin/sign-in: generated keys and headers from a few clients meet 401, then 429 with Retry-After; never a session, never a key in the logs', async () => {
    const logger = captureLogger();
    let ip = '';
    const guessing = createAdminApp(stack.deps, { clientIp: () => ip, logger });
    // Near misses of a key of its own: its prefix is locked out by the end, the editor's is not.
    const victim = (
      await createApiKey(stack.deps, { name: 'V', email: 'v.recent@example.org', role: 'editor' })
    ).key;
    const failures = new Map<string, number>();
    const key = fc.oneof(
      hostileString,
      fc.string({ minLength: 16, maxLength: 60 }).map((s) => `dsp_${s}`),
      fc.constantFrom(`${victim}x`, victim.slice(0, -1), victim.toUpperCase(), ''),
    );
    await fc.assert(
      fc.asyncProperty(key, fc.integer({ min: 1, max: 6 }), async (presented, client) => {
        ip = `198.51.100.${client}`;
        const response = await send(
          {
            method: 'POST',
            path: '/admin/sign-in',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams([['key', presented]]).toString(),
          },
          guessing,
        );
        expect(response.headers.get('set-cookie'), presented).toBeNull();
        expect([401, 429], presented).toContain(response.status);
        if (response.status === 429)
          expect(response.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
        else failures.set(ip, (failures.get(ip) ?? 0) + 1);
      }),
      { numRuns: 150 },
    );
    // Each client was refused outright once over its limit, whatever it sent next.
    for (const [client, count] of failures) expect(count, client).toBeLessThanOrEqual(LIMIT);
    const logged = JSON.stringify(logger.lines);
    expect(logged).toContain('key_refused');
    expect(logged).not.toContain(victim.slice(0, -1));
  }, 30_000);

  it('the admin API’s newer routes with an editor key: generated ids, query strings and bodies', async () => {
    const route = fc.constantFrom<[string, string]>(
      ['GET', '/stats'],
      ['GET', '/subscribers'],
      ['GET', '/subscribers/ID'],
      ['GET', '/exports/ID'],
      ['GET', '/imports/ID'],
      ['GET', '/articles'],
      ['GET', '/articles/waiting'],
      ['GET', '/articles/ID/preview'],
      ['GET', '/issues/ID/ambiguous'],
      ['GET', '/outbox/failed'],
      ['GET', '/editors'],
      ['POST', '/subscribers'],
      ['POST', '/exports'],
      ['POST', '/suppressions'],
      ['POST', '/suppressions/remove'],
      ['POST', '/outbox/subscriber/ID/retry'],
      ['POST', '/outbox/ID/ID/retry'],
      ['POST', '/articles/ID/approve'],
      ['POST', '/articles/ID/dismiss'],
      ['POST', '/issues/ID/ambiguous/ID'],
      ['POST', '/issues/ID/test'],
      ['POST', '/imports/ID/start'],
      ['DELETE', '/subscribers/ID'],
      ['GET', '/webhooks'],
      ['GET', '/webhooks/ID'],
      ['POST', '/webhooks'],
      ['POST', '/webhooks/ID/replay'],
      ['POST', '/webhooks/ID/remove'],
      ['GET', '/segments'],
      ['GET', '/segments/ID'],
      ['GET', '/segments/ID/preview'],
      ['POST', '/segments'],
      ['POST', '/segments/preview'],
      ['PATCH', '/segments/ID'],
      ['DELETE', '/segments/ID'],
      ['POST', '/images'],
    );
    await fc.assert(
      fc.asyncProperty(route, id, id, query, jsonBody, async ([method, path], a, b, q, body) => {
        await send({
          method,
          path: `/api/admin${path.replace('ID', a).replace('ID', b)}${method === 'GET' ? q : ''}`,
          headers: { authorization: `Bearer ${editor}`, 'content-type': 'application/json' },
          body: method === 'GET' ? undefined : body,
        });
      }),
      { numRuns: 150 },
    );
  }, 30_000);

  it('the workspace’s newer pages and forms, signed in with the CSRF token: generated ids, queries and fields', async () => {
    const route = fc.constantFrom<[string, string]>(
      ['GET', '/admin/audit'],
      ['GET', '/admin/outbox'],
      ['GET', '/admin/subscribers/imports/ID'],
      ['GET', '/admin/sign-in'],
      ['GET', '/admin/subscribers/import.js'],
      ['POST', '/admin/outbox/retry'],
      ['POST', '/admin/subscribers/imports'],
      ['POST', '/admin/subscribers/imports/ID/start'],
      ['POST', '/admin/issues/ID/ambiguous/ID'],
      ['POST', '/admin/issues/ID/ambiguous/ID/confirm'],
      ['GET', '/admin/webhooks'],
      ['GET', '/admin/webhooks/ID'],
      ['POST', '/admin/webhooks'],
      ['POST', '/admin/webhooks/ID/replay'],
      ['POST', '/admin/webhooks/ID/remove'],
      ['GET', '/admin/segments'],
      ['GET', '/admin/segments/ID'],
      ['POST', '/admin/segments'],
      ['POST', '/admin/segments/ID/delete'],
      ['GET', '/admin/images'],
      ['POST', '/admin/images'],
    );
    await fc.assert(
      fc.asyncProperty(route, id, id, query, formFields, async ([method, path], a, b, q, f) => {
        await send({
          method,
          path: `${path.replace('ID', a).replace('ID', b)}${method === 'GET' ? q : ''}`,
          headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
          body:
            method === 'GET' ? undefined : new URLSearchParams([['_csrf', csrf], ...f]).toString(),
        });
      }),
      { numRuns: 150 },
    );
  }, 30_000);

  it('image uploads, API and workspace: generated files (some with an image’s magic number) and alt texts', async () => {
    const magic = fc.constantFrom(
      [],
      [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
      [0xff, 0xd8, 0xff],
      [...'GIF89a'].map((c) => c.charCodeAt(0)),
      [...'RIFF\0\0\0\0WEBP'].map((c) => c.charCodeAt(0)),
    );
    const file = fc
      .tuple(magic, fc.uint8Array({ maxLength: 2000 }))
      .map(([head, rest]) => new Uint8Array([...head, ...rest]));
    const alt = fc.option(hostileString, { nil: undefined });
    const where = fc.constantFrom('/api/admin/images', '/admin/images');
    await fc.assert(
      fc.asyncProperty(where, file, alt, hostileString, async (path, bytes, text, name) => {
        const form = new FormData();
        form.set('file', new Blob([bytes]), name);
        if (text !== undefined) form.set('alt', text);
        if (path.startsWith('/admin')) form.set('_csrf', csrf);
        const response = await send({
          method: 'POST',
          path,
          headers: path.startsWith('/admin') ? { cookie } : { authorization: `Bearer ${editor}` },
          body: form,
        });
        // Random bytes behind a magic number are refused (they do not decode); a 201 or 200
        // could only be bytes that happen to form an image. Never a 5xx (checkResponse).
        expect([200, 201, 413, 422], await response.clone().text()).toContain(response.status);
      }),
      { numRuns: 120 },
    );
  }, 60_000);

  it('every workspace form posted with another site’s Sec-Fetch-Site or Origin is a 403, and nothing is recorded as done', async () => {
    const forms = app.routes
      .filter((r) => r.method === 'POST' && r.path.startsWith('/admin/'))
      .map((r) => r.path.replace(/:[a-zA-Z]+/g, 'x'));
    expect(forms.length).toBeGreaterThan(20);
    const foreign = fc.oneof(
      fc.record({ 'sec-fetch-site': fc.constantFrom('cross-site', 'same-site') }),
      fc.record({
        origin: fc.oneof(
          fc.constantFrom('null', 'https://evil.example', 'http://localhost.evil.example'),
          fc.webUrl().map((u) => new URL(u).origin),
        ),
      }),
    );
    const before = (await stack.deps.auditLog.recent(200, stack.deps.clock.now())).length;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...forms), foreign, formFields, async (path, headers, f) => {
        const response = await send({
          method: 'POST',
          path,
          headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', ...headers },
          body: new URLSearchParams([
            ['_csrf', csrf],
            ['confirmed', 'yes'],
            ['key', editor],
            ...f,
          ]).toString(),
        });
        expect(response.status, `${path} ${JSON.stringify(headers)}`).toBe(403);
        expect(response.headers.get('set-cookie')).toBeNull();
      }),
      { numRuns: 300 },
    );
    expect((await stack.deps.auditLog.recent(200, stack.deps.clock.now())).length).toBe(before);
  }, 30_000);
});
