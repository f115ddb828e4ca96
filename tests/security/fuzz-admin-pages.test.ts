/**
 * Bad input on the editors' workspace pages (/admin/*): signed in with a real editor key, with the
 * session's CSRF token, generated ids, query strings and form fields on every route; and without
 * a session or with a wrong CSRF token. No 5xx, no redirect off the site, no change without the
 * token.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../functions/core/access/api-keys.js';
import { createAdminApp } from '../../functions/http/admin/admin-app.js';
import type { LocalStack } from '../../local/stack.js';
import { startTestStack } from '../support/stack.js';
import { encodeSegment, hostileString, sendChecked, type Sent, tally } from './fuzz-support.js';
import { quietLogger } from '../support/logger.js';

let stack: LocalStack;
let app: ReturnType<typeof createAdminApp>;
let cookie: string;
let csrf: string;

beforeAll(async () => {
  stack = await startTestStack({ LOCAL_SES_MAX_SEND_RATE: '100000' });
  app = createAdminApp(stack.deps, { logger: quietLogger() });
  const { key } = await createApiKey(stack.deps, {
    name: 'Fuzz editor',
    email: 'fuzz.editor@example.org',
    role: 'editor',
  });
  const signedIn = await app.request('/admin/sign-in', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ key }).toString(),
  });
  cookie = signedIn.headers.get('set-cookie')!.split(';')[0]!;
  const dashboard = await (await app.request('/admin/issues', { headers: { cookie } })).text();
  csrf = /name="_csrf" value="([^"]+)"/.exec(dashboard)![1]!;
});
afterAll(async () => {
  console.log(
    `fuzz-admin-pages: ${tally.requests} requests, statuses ${JSON.stringify(tally.statuses)}`,
  );
  await stack?.close();
});

const send = (sent: Sent) => sendChecked(app, sent);

const id = fc
  .oneof(
    hostileString,
    fc.constantFrom(
      'article-nato-western-balkans-stability',
      'nato-western-balkans-stability',
      'x',
      'a'.repeat(3000),
    ),
  )
  .map(encodeSegment);
const query = fc.oneof(
  fc.constant(''),
  fc
    .tuple(
      fc.constantFrom('q', 'state', 'notice', 'cursor', 'page', 'email', 'next'),
      hostileString,
    )
    .map(([k, v]) => `?${k}=${encodeSegment(v)}`),
);
const getRoute = fc.constantFrom(
  '/admin',
  '/admin/articles',
  '/admin/articles/ID',
  '/admin/issues',
  '/admin/issues/ID',
  '/admin/subscribers',
  '/admin/exports/ID',
  '/admin/subscribers/ID',
  '/admin/subscribers/ID/export.json',
  '/admin/suppressions',
  '/admin/editors',
);
const postRoute = fc.constantFrom(
  '/admin/issues',
  '/admin/issues/ID/schedule',
  '/admin/issues/ID/send',
  '/admin/issues/ID/pause',
  '/admin/issues/ID/resume',
  '/admin/issues/ID/cancel',
  '/admin/issues/ID/test',
  '/admin/issues/ID/edit',
  '/admin/subscribers',
  '/admin/subscribers/import',
  '/admin/exports',
  '/admin/subscribers/ID/erase',
  '/admin/suppressions',
  '/admin/suppressions/remove',
  '/admin/articles/ID/approve',
  '/admin/articles/ID/dismiss',
);
const fields = fc.array(
  fc.tuple(
    fc.constantFrom(
      'article',
      'subject',
      'editorNote',
      'topics',
      'frequencies',
      'frequency',
      'at',
      'email',
      'csv',
      'to',
      'reason',
      'id',
      'source',
      'version',
    ),
    fc.oneof(
      hostileString,
      fc.emailAddress(),
      fc.constantFrom(
        'nato-western-balkans-stability',
        'security',
        'weekly',
        '2099-01-01T00:00',
        'email\nreader@example.com',
      ),
    ),
  ),
  { maxLength: 6 },
);

describe('fuzzing the admin pages', () => {
  it('GET every page with generated ids and query strings, signed in', async () => {
    await fc.assert(
      fc.asyncProperty(getRoute, id, query, async (route, i, q) => {
        await send({ method: 'GET', path: `${route.replace('ID', i)}${q}`, headers: { cookie } });
      }),
      { numRuns: 800 },
    );
  }, 60_000);

  it('POST every form with the CSRF token and generated fields', async () => {
    await fc.assert(
      fc.asyncProperty(postRoute, id, fields, async (route, i, f) => {
        await send({
          method: 'POST',
          path: route.replace('ID', i),
          headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams([['_csrf', csrf], ...f]).toString(),
        });
      }),
      { numRuns: 800 },
    );
  }, 60_000);

  it('without a session, or with a wrong CSRF token, nothing changes', async () => {
    const before = JSON.stringify(await stack.deps.issues.listByState('draft'));
    await fc.assert(
      fc.asyncProperty(
        postRoute,
        id,
        fields,
        fc.oneof(
          fc.constant(undefined),
          hostileString.map((s) => s.replace(/[^\x21-\x7e]/g, '')),
        ),
        fc.boolean(),
        async (route, i, f, token, withCookie) => {
          const body = new URLSearchParams([
            ...(token === undefined ? [] : [['_csrf', token] as [string, string]]),
            ['article', 'nato-western-balkans-stability'],
            ...f,
          ]).toString();
          const response = await send({
            method: 'POST',
            path: route.replace('ID', i),
            headers: {
              ...(withCookie ? { cookie } : {}),
              'content-type': 'application/x-www-form-urlencoded',
            },
            body,
          });
          expect(response.status, `${route} ${withCookie} ${token}`).toBeGreaterThanOrEqual(400);
        },
      ),
      { numRuns: 300 },
    );
    expect(JSON.stringify(await stack.deps.issues.listByState('draft'))).toBe(before);
  }, 60_000);
});
