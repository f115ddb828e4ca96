/**
 * Signup abuse: per-IP and per-address limits kept in DynamoDB (so they hold across Lambda
 * instances), disposable domains refused, the optional CAPTCHA hook. Every refusal stores nothing
 * and says nothing about who subscribes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDomains } from '../../functions/adapters/abuse/disposable-domains.js';
import { TurnstileVerifier } from '../../functions/adapters/abuse/turnstile.js';
import { createDocumentClient } from '../../functions/adapters/dynamo/client.js';
import { DynamoRateLimiter } from '../../functions/adapters/dynamo/dynamo-rate-limiter.js';
import type { CaptchaVerifier } from '../../functions/core/abuse/ports.js';
import { DomainError } from '../../functions/core/errors.js';
import { subscriberIdFor } from '../../functions/core/subscribers/subscriber.js';
import { buildAppDeps, parseConfig } from '../../functions/config.js';
import { createApp } from '../../functions/http/app.js';
import type { LocalStack } from '../../local/stack.js';
import {
  DISPOSABLE_DOMAINS_PATH,
  packagedDisposableDomains,
} from '../../scripts/build-disposable-domains.js';
import { uniqueEmail } from '../support/builders.js';
import { emailsTo, startTestStack } from '../support/stack.js';
import { quietLogger } from '../support/logger.js';

const PER_IP = 5;
const PER_ADDRESS = 3;

let stack: LocalStack;
let ip = '203.0.113.1';
let app: ReturnType<typeof createApp>;

beforeAll(async () => {
  stack = await startTestStack({
    SIGNUP_LIMIT_PER_IP_PER_HOUR: String(PER_IP),
    SIGNUP_LIMIT_PER_ADDRESS_PER_HOUR: String(PER_ADDRESS),
  });
  app = createApp(stack.deps, { clientIp: () => ip, logger: quietLogger() });
});
afterAll(async () => stack?.close());

let ipCounter = 10;
/** A fresh client address per test, so the per-IP counters of one test do not reach another. */
const freshIp = () => `203.0.113.${ipCounter++}`;
const json = (body: unknown) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});
const stored = async (email: string) => stack.deps.subscribers.get(subscriberIdFor(email));

describe('rate limits', () => {
  it('per IP: the (limit+1)th signup from one address is a 429 with Retry-After, and stores nothing', async () => {
    ip = freshIp();
    for (let i = 0; i < PER_IP; i++)
      expect((await app.request('/api/subscribe', json({ email: uniqueEmail('ip') }))).status).toBe(
        202,
      );
    const email = uniqueEmail('ip-over');
    const over = await app.request('/api/subscribe', json({ email }));
    expect(over.status).toBe(429);
    const retryAfter = Number(over.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(3600);
    expect(await over.json()).toMatchObject({
      error: { code: 'rate_limited', message: expect.stringMatching(/too many signups/i) },
    });
    expect(await stored(email)).toBeUndefined();
    expect(await emailsTo(stack.sesEndpoint, email)).toHaveLength(0);
    // Another client is not held back by this one.
    ip = freshIp();
    expect((await app.request('/api/subscribe', json({ email }))).status).toBe(202);
  });

  it('per address: the (limit+1)th signup of one address, from anywhere, is a 429; the HTML form says so too', async () => {
    const email = uniqueEmail('addr');
    for (let i = 0; i < PER_ADDRESS; i++) {
      ip = freshIp();
      expect((await app.request('/api/subscribe', json({ email }))).status).toBe(202);
    }
    ip = freshIp();
    const over = await app.request('/api/subscribe', json({ email }));
    expect(over.status).toBe(429);
    expect(over.headers.get('retry-after')).toMatch(/^\d+$/);
    const page = await app.request('/subscribe', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ email }).toString(),
    });
    expect(page.status).toBe(429);
    expect(page.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await page.text()).toMatch(/Too many signups for this address/);
    // The existing per-record limit still applies beneath: one confirmation for these signups.
    expect(await emailsTo(stack.sesEndpoint, email)).toHaveLength(1);
  });

  it('a known and an unknown address hit the same limit with the same answer', async () => {
    const known = uniqueEmail('known');
    const unknown = uniqueEmail('unknown');
    ip = freshIp();
    await app.request('/api/subscribe', json({ email: known }));
    const answers: string[] = [];
    for (const email of [known, unknown]) {
      for (let i = 0; i < PER_ADDRESS + 1; i++) {
        ip = freshIp();
        const response = await app.request('/api/subscribe', json({ email }));
        answers.push(
          `${email === known ? 'K' : 'U'}${i}:${response.status}:${JSON.stringify(await response.json())}`,
        );
      }
    }
    const known429 = answers
      .filter((a) => a.startsWith('K') && a.includes(':429:'))
      .map((a) => a.slice(a.indexOf(':')));
    const unknown429 = answers
      .filter((a) => a.startsWith('U') && a.includes(':429:'))
      .map((a) => a.slice(a.indexOf(':')));
    expect(unknown429.length).toBe(1);
    expect(known429.length).toBeGreaterThanOrEqual(1);
    expect(known429[0]).toBe(unknown429[0]);
  });

  it('holds across instances: 40 concurrent signups from one IP through two separately built apps admit exactly the limit', async () => {
    const other = createApp(await buildAppDeps(parseConfig(process.env)), {
      clientIp: () => sharedIp,
      logger: quietLogger(),
    });
    const sharedIp = freshIp();
    const mine = createApp(stack.deps, { clientIp: () => sharedIp, logger: quietLogger() });
    const responses = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        (i % 2 ? other : mine).request('/api/subscribe', json({ email: uniqueEmail('multi') })),
      ),
    );
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 202)).toHaveLength(PER_IP);
    expect(statuses.filter((s) => s === 429)).toHaveLength(40 - PER_IP);
  });

  it('counts per fixed window: the next hour starts from zero, and each counter item carries expiresAt', async () => {
    const client = createDocumentClient();
    const limiter = new DynamoRateLimiter(client, stack.env.TABLE_NAME!);
    const key = `test:${uniqueEmail('window')}`;
    const at = new Date('2026-11-28T10:59:00Z');
    expect(await limiter.hit(key, 1, 3600, at)).toEqual({ allowed: true });
    expect(await limiter.hit(key, 1, 3600, at)).toEqual({ allowed: false, retryAfterSeconds: 60 });
    expect(await limiter.hit(key, 1, 3600, new Date('2026-11-28T11:00:00Z'))).toEqual({
      allowed: true,
    });
    const { GetCommand } = await import('@aws-sdk/lib-dynamodb');
    const windowStart = Date.parse('2026-11-28T10:00:00Z') / 1000;
    const { Item } = await client.send(
      new GetCommand({
        TableName: stack.env.TABLE_NAME!,
        Key: { PK: `RATE#${key}#${windowStart}`, SK: 'RATE' },
      }),
    );
    expect(Item).toMatchObject({ hits: 1, expiresAt: windowStart + 7200 });
  });
});

describe('disposable domains', () => {
  it('a throwaway domain (and its subdomains) is a 422 on the email field; nothing stored, nothing sent', async () => {
    ip = freshIp();
    for (const email of [
      `someone.${Date.now()}@mailinator.com`,
      `x.${Date.now()}@eu.mailinator.com`,
    ]) {
      const response = await app.request('/api/subscribe', json({ email }));
      expect(response.status).toBe(422);
      expect(await response.json()).toMatchObject({
        error: {
          code: 'invalid_input',
          issues: [{ field: 'email', message: expect.stringMatching(/disposable/) }],
        },
      });
      expect(await stored(email)).toBeUndefined();
    }
  });

  it('an ordinary domain passes', async () => {
    ip = freshIp();
    expect(
      (await app.request('/api/subscribe', json({ email: uniqueEmail('ordinary') }))).status,
    ).toBe(202);
  });

  it("the packaged list in data/ is the installed package's list (npm run build:disposable-domains)", async () => {
    const packaged = await loadDomains(DISPOSABLE_DOMAINS_PATH);
    const installed = await packagedDisposableDomains();
    expect(packaged.size).toBe(installed.length);
    expect(installed.every((d) => packaged.has(d))).toBe(true);
    expect(packaged.size).toBeGreaterThan(50_000);
    // Searched as sorted text: near misses on either side of a listed domain are not in it.
    const near = installed.flatMap((d) => [`${d}x`, d.slice(1), d.slice(0, -1)]);
    const listed = new Set(installed);
    expect(near.filter((d) => !listed.has(d) && packaged.has(d))).toEqual([]);
    expect(packaged.has('example.com') || packaged.has('')).toBe(false);
  });
});

describe('CAPTCHA hook', () => {
  it('off by default; when configured, a signup needs a token the provider vouches for, checked with the client IP', async () => {
    expect(stack.deps.abuse?.captcha).toBeUndefined();
    const calls: [string, string | undefined][] = [];
    const fake: CaptchaVerifier = {
      verify: async (token, clientIp) => {
        calls.push([token, clientIp]);
        return token === 'good-token';
      },
    };
    const guarded = createApp(
      { ...stack.deps, abuse: { ...stack.deps.abuse!, captcha: fake } },
      { clientIp: () => ip, logger: quietLogger() },
    );
    ip = freshIp();
    const missing = uniqueEmail('captcha');
    const none = await guarded.request('/api/subscribe', json({ email: missing }));
    expect(none.status).toBe(422);
    expect(await none.json()).toMatchObject({ error: { issues: [{ field: 'captchaToken' }] } });
    const bad = await guarded.request(
      '/api/subscribe',
      json({ email: missing, captchaToken: 'forged' }),
    );
    expect(bad.status).toBe(422);
    expect(await stored(missing)).toBeUndefined();
    const good = await guarded.request(
      '/api/subscribe',
      json({ email: missing, captchaToken: 'good-token' }),
    );
    expect(good.status).toBe(202);
    expect(await stored(missing)).toMatchObject({ state: 'pending' });
    expect(calls).toEqual([
      ['forged', ip],
      ['good-token', ip],
    ]);
    // The HTML form carries Turnstile's own field name.
    const formEmail = uniqueEmail('captcha-form');
    const page = await guarded.request('/subscribe', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        email: formEmail,
        'cf-turnstile-response': 'good-token',
      }).toString(),
    });
    expect(page.status).toBe(200);
    expect(await stored(formEmail)).toMatchObject({ state: 'pending' });
  });

  it("with a site key, every public page shows the widget and loads its script, and the CSP lets in Turnstile's origin and nothing else", async () => {
    const csp = (res: Response) =>
      Object.fromEntries(
        (res.headers.get('content-security-policy') ?? '')
          .split(';')
          .map((d) => d.trim().split(/\s+/))
          .map(([k, ...v]) => [k, v]),
      );
    // Off (the default): no script on any page, and no script-src (default-src 'none' forbids all).
    const plain = await createApp(stack.deps, { logger: quietLogger() }).request('/');
    expect(await plain.text()).not.toContain('<script');
    expect(csp(plain)['script-src']).toBeUndefined();
    expect(csp(plain)['default-src']).toEqual(["'none'"]);

    const deps = await buildAppDeps(
      parseConfig({
        ...process.env,
        TURNSTILE_SITE_KEY: '1x00000000000000000000AA',
        TURNSTILE_SECRET_KEY: '1x0000000000000000000000000000000AA',
      }),
    );
    expect(deps.abuse?.captcha).toBeDefined();
    const guarded = createApp(deps, { logger: quietLogger() });
    const article = (await deps.articles.all())[0]!;
    for (const path of ['/', `/articles/${article.slug}`, '/articles']) {
      const res = await guarded.request(path);
      const html = await res.text();
      expect(html, path).toContain(
        '<script src="https://challenges.cloudflare.com/turnstile/v0/api.js" async="" defer=""></script>',
      );
      // The widget sits inside the signup form, so the token Turnstile adds goes with the form.
      expect(html, path).toMatch(
        /<form[^>]*action="\/subscribe"[\s\S]*<div class="cf-turnstile" data-sitekey="1x00000000000000000000AA"><\/div>[\s\S]*<\/form>/,
      );
      expect(csp(res)['script-src'], path).toEqual(['https://challenges.cloudflare.com']);
      expect(csp(res)['frame-src'], path).toEqual(['https://challenges.cloudflare.com']);
      expect(csp(res)['default-src'], path).toEqual(["'none'"]);
    }
    // The embed snippet brings the script and the widget along.
    const embed = await (await guarded.request('/embed')).text();
    expect(embed).toContain(
      '&lt;script src=&quot;https://challenges.cloudflare.com/turnstile/v0/api.js&quot; async defer&gt;&lt;/script&gt;',
    );
    expect(embed).toContain(
      '&lt;div class=&quot;cf-turnstile&quot; data-sitekey=&quot;1x00000000000000000000AA&quot;&gt;',
    );
  });

  it('refuses a configuration with only one of the two Turnstile keys, naming the missing one', () => {
    expect(() => parseConfig({ ...process.env, TURNSTILE_SITE_KEY: 'site' })).toThrow(
      /TURNSTILE_SECRET_KEY: must be set together with TURNSTILE_SITE_KEY/,
    );
    expect(() => parseConfig({ ...process.env, TURNSTILE_SECRET_KEY: 'secret' })).toThrow(
      /TURNSTILE_SITE_KEY: must be set together with TURNSTILE_SECRET_KEY/,
    );
  });

  it('the Turnstile adapter posts secret, token and IP to siteverify and reads `success` (fetch faked: never the network)', async () => {
    const seen: { url: string; body: string }[] = [];
    const fakeFetch = (async (url: string | URL | Request, init?: RequestInit) => {
      seen.push({ url: String(url), body: String(init?.body) });
      return new Response(JSON.stringify({ success: String(init?.body).includes('response=ok') }), {
        status: 200,
      });
    }) as typeof fetch;
    const verifier = new TurnstileVerifier('sekret', fakeFetch);
    expect(await verifier.verify('ok', '198.51.100.1')).toBe(true);
    expect(await verifier.verify('nope', undefined)).toBe(false);
    expect(seen[0]!.url).toBe('https://challenges.cloudflare.com/turnstile/v0/siteverify');
    expect(new URLSearchParams(seen[0]!.body).get('secret')).toBe('sekret');
    expect(new URLSearchParams(seen[0]!.body).get('remoteip')).toBe('198.51.100.1');
    const down = new TurnstileVerifier('sekret', (async () => {
      throw new TypeError('fetch failed');
    }) as typeof fetch);
    await expect(down.verify('ok', undefined)).rejects.toSatisfy(
      (e: unknown) => e instanceof DomainError && e.code === 'unavailable',
    );
  });
});
