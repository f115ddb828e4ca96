/**
 * Security headers on every answer (CSP with frame-ancestors, nosniff; HSTS only when the public
 * origin is https), no open redirects, and the access log: one JSON line per request with the
 * request id, method, status and duration, whose path never carries a token, and no address in
 * any log line.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashAddresses, redactPath } from '../../functions/http/access-log.js';
import { createApp } from '../../functions/http/app.js';
import type { LocalStack } from '../../local/stack.js';
import { linkIn, uniqueEmail } from '../support/builders.js';
import { emailsTo, startTestStack } from '../support/stack.js';
import { captureLogger, quietLogger } from '../support/logger.js';

let stack: LocalStack;
const logger = captureLogger();
const logs = logger.lines;
let app: ReturnType<typeof createApp>;

beforeAll(async () => {
  stack = await startTestStack();
  app = createApp(stack.deps, { clientIp: () => '192.0.2.70', logger });
});
afterAll(async () => stack?.close());

const PUBLIC_ROUTES: [string, string][] = [
  ['GET', '/'],
  ['GET', '/embed'],
  ['GET', '/articles'],
  ['GET', '/articles/nato-western-balkans-stability'],
  ['GET', '/healthz'],
  ['POST', '/subscribe'],
  ['POST', '/api/subscribe'],
  ['OPTIONS', '/api/subscribe'],
  ['GET', '/confirm/x'],
  ['POST', '/confirm/x'],
  ['POST', '/confirm/x/resend'],
  ['GET', '/unsubscribe/x'],
  ['POST', '/unsubscribe/x'],
  ['GET', '/preferences/x'],
  ['POST', '/preferences/x'],
  ['POST', '/preferences/x/resubscribe'],
  ['GET', '/no-such-page'],
  ['GET', '/api/nothing'],
];

describe('security headers', () => {
  it('every route answers with a CSP forbidding framing, nosniff, and no HSTS over plain http', async () => {
    for (const [method, path] of PUBLIC_ROUTES) {
      const response = await app.request(path, { method });
      const csp = response.headers.get('content-security-policy') ?? '';
      expect(csp, `${method} ${path}`).toContain("frame-ancestors 'none'");
      expect(csp).toContain("default-src 'none'");
      expect(csp).not.toMatch(/script-src[^;]*'unsafe-inline'/);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(
        response.headers.get('strict-transport-security'),
        `${method} ${path}: HSTS over http`,
      ).toBeNull();
    }
  });

  it('HSTS when BASE_URL is https', async () => {
    const https = createApp(
      {
        ...stack.deps,
        publication: { ...stack.deps.publication, baseUrl: 'https://news.example.org' },
      },
      { logger: quietLogger() },
    );
    for (const [method, path] of PUBLIC_ROUTES) {
      const response = await https.request(path, { method });
      expect(response.headers.get('strict-transport-security'), `${method} ${path}`).toMatch(
        /^max-age=31536000; includeSubDomains$/,
      );
    }
  });
});

describe('no open redirects', () => {
  it('no route redirects anywhere a request names: query parameters, Referer, Host, doubled slashes', async () => {
    const evil = 'https://evil.example/phish';
    const queries = [
      'redirect',
      'next',
      'return_to',
      'returnTo',
      'url',
      'continue',
      'to',
      'dest',
    ].map((k) => `?${k}=${encodeURIComponent(evil)}`);
    const paths = [
      ...PUBLIC_ROUTES.map(([, p]) => p),
      '//evil.example/',
      '/\\evil.example',
      '/%2F%2Fevil.example',
      '/articles/',
      '/articles//evil.example',
      '/./articles',
    ];
    let sent = 0;
    for (const path of paths) {
      for (const method of ['GET', 'POST']) {
        for (const query of ['', ...queries]) {
          const response = await app.request(`${path}${query}`, {
            method,
            headers: { referer: evil, 'x-forwarded-host': 'evil.example', host: 'evil.example' },
          });
          sent++;
          const location = response.headers.get('location');
          if (location !== null)
            expect(location, `${method} ${path}${query}`).toMatch(/^\/(?![/\\])/);
          expect(response.status, `${method} ${path}${query}`).toBeLessThan(500);
        }
      }
    }
    console.log(`open redirects: ${sent} requests, none redirected off-site`);
  });
});

describe('access log', () => {
  it('one JSON line per request: request id, method, status, duration, and the path with its token redacted', async () => {
    const email = uniqueEmail('logs');
    logs.length = 0;
    await app.request('/api/subscribe', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email }),
    });
    const [confirmation] = await emailsTo(stack.sesEndpoint, email);
    const confirm = new URL(linkIn(confirmation!.body.text!, 'confirm')).pathname;
    const token = confirm.split('/')[2]!;
    await app.request(confirm);
    await app.request(confirm, { method: 'POST' });
    await app.request(`${confirm}/resend`, { method: 'POST' });
    const welcome = (await emailsTo(stack.sesEndpoint, email)).find((e) =>
      e.subject.startsWith('Welcome'),
    )!;
    for (const kind of ['unsubscribe', 'preferences'])
      await app.request(new URL(linkIn(welcome.body.text!, kind)).pathname);

    const requests = logs.filter((l) => l.message === 'request');
    expect(requests.map((l) => `${l.method} ${l.path} ${l.status}`)).toEqual([
      'POST /api/subscribe 202',
      'GET /confirm/:token 200',
      'POST /confirm/:token 200',
      'POST /confirm/:token/resend 200',
      'GET /unsubscribe/:token 200',
      'GET /preferences/:token 200',
    ]);
    for (const line of requests) {
      expect(line).toMatchObject({
        level: 'INFO',
        requestId: expect.stringMatching(/\S/),
        durationMs: expect.any(Number),
      });
    }
    const all = JSON.stringify(logs);
    expect(all).not.toContain(token);
    expect(all).not.toContain(email);
    expect(all).not.toContain(email.split('@')[0]);
  });

  it('the request id in the log is the one the client sees, and unknown errors are logged with it and a redacted path', async () => {
    logs.length = 0;
    const response = await app.request('/healthz');
    expect(logs.at(-1)!.requestId).toBe(response.headers.get('x-request-id'));
    expect(redactPath('/unsubscribe/abc.def/x')).toBe('/unsubscribe/:token/x');
    expect(redactPath(`/something/${'a'.repeat(40)}`)).toBe('/something/:redacted');
    expect(redactPath('/articles/nato-western-balkans-stability')).toBe(
      '/articles/nato-western-balkans-stability',
    );
  });

  it('an unknown error that quotes an address is logged with a hash of it, and answered with only the request id', async () => {
    const failing = createApp(
      {
        ...stack.deps,
        subscribers: {
          ...stack.deps.subscribers,
          get: async () => {
            throw new Error('Email address is not verified: Reader.Secret@example.com');
          },
        },
      },
      { logger },
    );
    logs.length = 0;
    const response = await failing.request(
      `/unsubscribe/${stack.deps.signer.sign('unsubscribe', 'someone')}`,
      { method: 'POST' },
    );
    expect(response.status).toBe(500);
    expect(await response.text()).not.toMatch(/secret/i);
    const errorLines = logs.filter((l) => l.level === 'ERROR');
    expect(errorLines).toHaveLength(1);
    expect(errorLines[0]!.error).toMatch(/addr:[0-9a-f]{12}/);
    for (const line of errorLines)
      expect(JSON.stringify(line)).not.toMatch(/reader\.secret@example\.com/i);
    expect(hashAddresses('failed for Reader.Secret@example.com, retry')).toMatch(
      /^failed for addr:[0-9a-f]{12}, retry$/,
    );
    expect(hashAddresses('failed for Reader.Secret@example.com')).toBe(
      hashAddresses('failed for reader.secret@EXAMPLE.com'),
    );
  });
});
