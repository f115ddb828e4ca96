/**
 * Bad input everywhere, on the public endpoints: thousands of generated bodies, query strings,
 * headers and tokens through `app.request()` against the local stack. What must hold for each:
 * no 5xx, every JSON 4xx on /api/* says what is wrong (400/413/415/422 name a field and a reason),
 * no plain address in the logs, and every subscriber the run created still parses with the
 * Subscriber schema.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalizeEmail } from '../../functions/core/email-address.js';
import { subscriberIdFor } from '../../functions/core/subscribers/subscriber.js';
import { createApp } from '../../functions/http/app.js';
import type { LocalStack } from '../../local/stack.js';
import { linkIn, uniqueEmail } from '../support/builders.js';
import { emailsTo, startTestStack } from '../support/stack.js';
import { subscriberSchema } from './subscriber-schema.js';
import { checkResponse, hostileString, sendChecked, type Sent, tally } from './fuzz-support.js';
import { captureLogger } from '../support/logger.js';

let stack: LocalStack;
let app: ReturnType<typeof createApp>;
const logger = captureLogger();
/** Every address the run offered that normalizes: each may have become a record. */
const offered = new Set<string>();

beforeAll(async () => {
  stack = await startTestStack();
  app = createApp(stack.deps, {
    clientIp: () => '192.0.2.77',
    logger,
  });
});
afterAll(async () => {
  console.log(
    `fuzz-public: ${tally.requests} requests, statuses ${JSON.stringify(tally.statuses)}`,
  );
  await stack?.close();
});

const path = (url: string) => new URL(url).pathname;
/** encodeURIComponent, except that a lone surrogate (which it refuses) goes out as invalid UTF-8 bytes. */
const encodeSegment = (s: string) => {
  try {
    return encodeURIComponent(s);
  } catch {
    return s
      .split('')
      .map((ch) => {
        try {
          return encodeURIComponent(ch);
        } catch {
          return '%ED%A0%80';
        }
      })
      .join('');
  }
};

const send = (sent: Sent) => sendChecked(app, sent);

/** Values of every JSON type, many of them hostile; sometimes a near-valid address. */
const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: hostileString },
  { weight: 2, arbitrary: fc.emailAddress() },
  { weight: 1, arbitrary: fc.emailAddress().map((e) => `${e}\r\nBcc: victim@example.com`) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.constantFrom(null, true, 0, -1, 1e308, '', [], {}) },
);
const topicsValue = fc.oneof(
  anyValue,
  fc.array(fc.oneof(fc.constantFrom('security', 'politics', 'economy'), hostileString), {
    maxLength: 6,
  }),
);
const frequencyValue = fc.oneof(
  anyValue,
  fc.constantFrom('immediate', 'daily', 'weekly', 'WEEKLY', 'hourly'),
);
const signupBody = fc.record(
  {
    email: anyValue,
    topics: topicsValue,
    frequency: frequencyValue,
    name: fc.oneof(anyValue, fc.constantFrom('Tom & "Jerry"', '<script>', ' Ana ', 'a\u2028b')),
    fields: fc.oneof(
      anyValue,
      fc.dictionary(
        fc.constantFrom('city', 'print_subscriber', '__proto__', 'constructor', 'planet'),
        anyValue,
        { maxKeys: 4 },
      ),
    ),
    website: fc.oneof(fc.constant(''), anyValue),
    captchaToken: anyValue,
    extra: anyValue,
  },
  { requiredKeys: [] },
);
const contentType = fc.oneof(
  { weight: 6, arbitrary: fc.constant('application/json') },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'application/json; charset=utf-8',
      'APPLICATION/JSON',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=xyz',
      'application/jsonx',
      '',
    ),
  },
);
const rawBody = fc.oneof(
  { weight: 6, arbitrary: signupBody.map((b) => JSON.stringify(b)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
  { weight: 1, arbitrary: fc.jsonValue().map((v) => JSON.stringify(v)) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '{"email":',
      '\u0000',
      '{"email":"a@b.c"}\u0000',
      '[]',
      'null',
      '"x"',
      '{"__proto__":{"admin":true},"email":"p@example.com"}',
      '{"constructor":{"prototype":{"x":1}}}',
    ),
  },
);
const headerValue = fc.string({ maxLength: 300 }).map((s) => s.replace(/[^\t\x20-\x7e]/g, '')); // what a Headers object accepts
const extraHeaders = fc.dictionary(
  fc.constantFrom(
    'user-agent',
    'x-forwarded-for',
    'origin',
    'referer',
    'accept',
    'accept-language',
    'cookie',
    'x-request-id',
  ),
  headerValue,
  { maxKeys: 4 },
);
const query = fc.oneof(
  fc.constant(''),
  fc.string({ maxLength: 100 }).map((s) => `?${encodeSegment(s)}=${encodeSegment(s)}`),
  fc.constant('?email=a%40b.c&redirect=https://evil.example/'),
);

/** Notes the address a body offers (JSON `email`, or a form's), so the records it made can be re-read. */
function remember(body: string | undefined) {
  if (!body) return;
  let email: unknown = body;
  try {
    email = (JSON.parse(body) as { email?: unknown })?.email;
  } catch {
    /* a form value or raw text: take it as it is */
  }
  if (typeof email !== 'string') return;
  const checked = normalizeEmail(email);
  if (checked.ok) offered.add(checked.email);
}

describe('fuzzing the public endpoints', () => {
  it('POST /api/subscribe: arbitrary bodies, content types, headers and query strings', async () => {
    await fc.assert(
      fc.asyncProperty(
        rawBody,
        contentType,
        extraHeaders,
        query,
        async (body, type, headers, q) => {
          remember(body);
          await send({
            method: 'POST',
            path: `/api/subscribe${q}`,
            headers: { ...headers, ...(type ? { 'content-type': type } : {}) },
            body,
          });
        },
      ),
      { numRuns: 2000 },
    );
  }, 40_000);

  it('POST /subscribe (HTML form): arbitrary fields, repeated fields, encodings', async () => {
    const field = fc.tuple(
      fc.constantFrom(
        'email',
        'topics',
        'frequency',
        'form',
        'website',
        'cf-turnstile-response',
        'x',
      ),
      fc.oneof(hostileString, fc.emailAddress(), fc.constantFrom('security', 'weekly', 'hosted')),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(field, { maxLength: 8 }),
        fc.constantFrom(
          'application/x-www-form-urlencoded',
          'multipart/form-data',
          'text/plain',
          'application/json',
        ),
        extraHeaders,
        async (fields, type, headers) => {
          let init: { headers: Record<string, string>; body: string | FormData };
          if (type === 'multipart/form-data') {
            const data = new FormData();
            for (const [k, v] of fields) data.append(k, v);
            init = { headers, body: data };
          } else {
            init = {
              headers: { ...headers, 'content-type': type },
              body:
                type === 'application/json'
                  ? JSON.stringify(Object.fromEntries(fields))
                  : new URLSearchParams(fields).toString(),
            };
          }
          for (const [k, v] of fields) if (k === 'email') remember(v);
          await send({ method: 'POST', path: '/subscribe', ...init });
        },
      ),
      { numRuns: 1000 },
    );
  }, 40_000);

  it('token routes: forged, truncated, hostile and valid-but-misused tokens, every method the routes take', async () => {
    const reader = await confirmedReader();
    const tokenLike = fc.oneof(
      hostileString,
      fc.string({
        unit: fc.constantFrom(
          ...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.',
        ),
        maxLength: 200,
      }),
      // Valid tokens of the wrong purpose, cut short, or with a flipped character.
      fc
        .constantFrom(reader.tokens.unsubscribe, reader.tokens.preferences, reader.tokens.confirm)
        .chain((t) =>
          fc.oneof(
            fc.constant(t),
            fc.nat({ max: t.length }).map((n) => t.slice(0, n)),
            fc
              .nat({ max: t.length - 1 })
              .map((n) => t.slice(0, n) + (t[n] === 'A' ? 'B' : 'A') + t.slice(n + 1)),
          ),
        ),
    );
    const route = fc.constantFrom(
      ['GET', '/confirm/T'],
      ['POST', '/confirm/T'],
      ['POST', '/confirm/T/resend'],
      ['GET', '/unsubscribe/T'],
      ['POST', '/unsubscribe/T'],
      ['GET', '/preferences/T'],
      ['POST', '/preferences/T'],
      ['POST', '/preferences/T/resubscribe'],
    );
    const body = fc.oneof(
      fc.constant(undefined),
      fc
        .array(
          fc.tuple(fc.constantFrom('topics', 'frequency', 'List-Unsubscribe'), hostileString),
          { maxLength: 5 },
        )
        .map((f) => new URLSearchParams(f).toString()),
    );
    await fc.assert(
      fc.asyncProperty(route, tokenLike, body, query, async ([method, template], token, b, q) => {
        const encoded = encodeSegment(token);
        // Tokens of the forms above that are the reader's own and valid must not unsubscribe on GET: only the shape is checked here.
        await send({
          method,
          path: `${template.replace('T', encoded)}${q}`,
          headers: b ? { 'content-type': 'application/x-www-form-urlencoded' } : {},
          body: method === 'GET' ? undefined : b,
        });
      }),
      { numRuns: 2000 },
    );
    // Whatever came at it, the reader's record is still well-formed.
    const record = await stack.deps.subscribers.get(subscriberIdFor(reader.email));
    subscriberSchema(stack.deps.publication.topics.map((t) => t.id)).parse(record);
  });

  it('POST /preferences/:token with a valid token: hostile topics and frequencies never corrupt the record', async () => {
    const reader = await confirmedReader();
    const field = fc.tuple(
      fc.constantFrom('topics', 'frequency'),
      fc.oneof(
        hostileString,
        fc.constantFrom(
          'security',
          'politics',
          'economy',
          'daily',
          'weekly',
          'immediate',
          '__proto__',
          'constructor',
        ),
      ),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(field, { maxLength: 10 }), async (fields) => {
        const response = await send({
          method: 'POST',
          path: `/preferences/${reader.tokens.preferences}`,
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams(fields).toString(),
        });
        expect([200, 422]).toContain(response.status);
      }),
      { numRuns: 300 },
    );
    subscriberSchema(stack.deps.publication.topics.map((t) => t.id)).parse(
      await stack.deps.subscribers.get(subscriberIdFor(reader.email)),
    );
  });

  it('GET /articles/:slug and other paths: traversal, encodings, unicode', async () => {
    const slug = fc.oneof(
      hostileString,
      fc.constantFrom(
        '..%2F..%2Fpackage.json',
        '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
        'nato-western-balkans-stability',
        'nato-western-balkans-stability.md',
        '%00',
        '%E0%A4%A',
        '%ED%A0%80',
        '..',
        '.',
        'CON',
      ),
    );
    await fc.assert(
      fc.asyncProperty(slug, query, extraHeaders, async (s, q, headers) => {
        const segment = /%[0-9A-Fa-f]{2}|^%/.test(s) ? s : encodeSegment(s);
        const response = await send({ method: 'GET', path: `/articles/${segment}${q}`, headers });
        const text = await response.clone().text();
        expect(text).not.toContain('"devDependencies"');
        expect(text).not.toContain('root:x:0:0');
      }),
      { numRuns: 1000 },
    );
  });

  it('oversized and odd bodies: 413 above 64 KB, with or without a Content-Length', async () => {
    const big = fc.integer({ min: 64 * 1024 + 1, max: 300 * 1024 });
    await fc.assert(
      fc.asyncProperty(
        big,
        fc.constantFrom('/api/subscribe', '/subscribe', '/preferences/x', '/confirm/x'),
        fc.boolean(),
        async (size, target, asStream) => {
          const payload = JSON.stringify({ email: 'a@example.com', pad: 'x'.repeat(size) });
          const body = asStream ? new Blob([payload]).stream() : payload;
          const response = await app.request(target, {
            method: 'POST',
            headers: {
              'content-type': target.startsWith('/api/')
                ? 'application/json'
                : 'application/x-www-form-urlencoded',
            },
            body,
            ...(asStream ? { duplex: 'half' } : {}),
          } as RequestInit);
          await checkResponse({ method: 'POST', path: target, headers: {} }, response);
          expect(response.status).toBe(413);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('after the run: every subscriber the run may have created parses with the schema, and no address reached the logs', async () => {
    const schema = subscriberSchema(stack.deps.publication.topics.map((t) => t.id));
    let found = 0;
    const records = await Promise.all(
      [...offered].map(
        async (email) => [email, await stack.deps.subscribers.get(subscriberIdFor(email))] as const,
      ),
    );
    for (const [email, record] of records) {
      if (!record) continue;
      found++;
      const parsed = schema.safeParse(record);
      expect(parsed.success, `${email}: ${JSON.stringify(parsed.error?.issues)}`).toBe(true);
    }
    console.log(
      `fuzz-public: ${offered.size} valid-looking addresses offered, ${found} records re-read and parsed`,
    );
    expect(found).toBeGreaterThan(0);
    const allLogs = logger.lines.map((line) => JSON.stringify(line)).join('\n');
    for (const email of offered)
      expect(allLogs.includes(email), `${email} in the logs`).toBe(false);
    expect(allLogs).not.toMatch(/\/(confirm|unsubscribe|preferences)\/[A-Za-z0-9_-]{20,}/);
  });
});

/** A confirmed reader and its three tokens, through the real signup and confirmation. */
async function confirmedReader() {
  const email = uniqueEmail('fuzz');
  await app.request('/api/subscribe', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email }),
  });
  const [confirmation] = await emailsTo(stack.sesEndpoint, email);
  const confirm = path(linkIn(confirmation!.body.text!, 'confirm'));
  await app.request(confirm, { method: 'POST' });
  const welcome = (await emailsTo(stack.sesEndpoint, email)).find((e) =>
    e.subject.startsWith('Welcome'),
  )!;
  const tokenOf = (p: string) => p.split('/')[2]!;
  return {
    email,
    tokens: {
      confirm: tokenOf(confirm),
      unsubscribe: tokenOf(path(linkIn(welcome.body.text!, 'unsubscribe'))),
      preferences: tokenOf(path(linkIn(welcome.body.text!, 'preferences'))),
    },
  };
}
