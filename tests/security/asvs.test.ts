/**
 * OWASP ASVS 4.0.3, level 1: one test per item that applies to Dispatch's HTTP surface (the public
 * pages and API, the feeds, the editors' workspace and admin API), each named with its id.
 * docs/security.md maps every item to its test here, or to the suite that already shows it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../functions/core/access/api-keys.js';
import { SESSION_TTL_MS } from '../../functions/core/access/sessions.js';
import { createAdminApp } from '../../functions/http/admin/admin-app.js';
import type { AdminDeps } from '../../functions/http/admin/deps.js';
import type { LocalStack } from '../../local/stack.js';
import { uniqueEmail } from '../support/builders.js';
import { quietLogger } from '../support/logger.js';
import { startTestStack } from '../support/stack.js';

let stack: LocalStack;
let app: ReturnType<typeof createAdminApp>;
const keys = { editor: '', viewer: '' };
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const HTTPS = 'https://news.example.org';

beforeAll(async () => {
  stack = await startTestStack();
  app = createAdminApp(stack.deps, { logger: quietLogger() });
  for (const role of ['editor', 'viewer'] as const)
    keys[role] = (
      await createApiKey(stack.deps, { name: role, email: `${role}@example.org`, role })
    ).key;
});
afterAll(async () => stack?.close());

/** The admin app over a public https origin (what AWS serves), else the stack's plain http. */
const httpsApp = (deps: Partial<AdminDeps> = {}) =>
  createAdminApp(
    {
      ...stack.deps,
      publication: { ...stack.deps.publication, baseUrl: HTTPS },
      ...deps,
    },
    { logger: quietLogger() },
  );

type App = ReturnType<typeof createAdminApp>;

/** Signs in through the form; the Set-Cookie header as sent, and the Cookie header to send back. */
async function signInThroughForm(on: App = app, key = keys.editor, headers = {}) {
  const response = await on.request('/admin/sign-in', {
    method: 'POST',
    headers: { ...FORM, ...headers },
    body: new URLSearchParams({ key }).toString(),
  });
  expect(response.status).toBe(303);
  const setCookie = response.headers.get('set-cookie')!;
  const pair = setCookie.split(';')[0]!;
  return { response, setCookie, cookie: pair, value: pair.split('=')[1]! };
}

/** The workspace's CSRF token for a signed-in cookie, from any page's sign-out form. */
async function csrfFor(cookie: string, on: App = app) {
  const html = await (await on.request('/admin', { headers: { cookie } })).text();
  return /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
}

const signedIn = async (cookie: string, on: App = app) =>
  (await on.request('/admin', { headers: { cookie }, redirect: 'manual' })).status === 200;

/** Every GET route the app registered (parameters filled in), signed in where it is the workspace. */
function getRoutes(on: App) {
  return [
    ...new Set(
      on.routes
        .filter((r) => r.method === 'GET' && !r.path.includes('*'))
        .map((r) => r.path.replace(/:[a-zA-Z]+/g, 'x').replace(/\{[a-zA-Z]+\}/g, 'x')),
    ),
  ];
}

/** One answer from each GET route, and from the public POSTs, signed in or with an editor key. */
async function answersFromEveryRoute(on: App = app) {
  const { cookie } = await signInThroughForm(on);
  const answers: [string, Response][] = [];
  for (const path of getRoutes(on)) {
    const headers: Record<string, string> = path.startsWith('/api/admin')
      ? { authorization: `Bearer ${keys.editor}` }
      : { cookie };
    answers.push([`GET ${path}`, await on.request(path, { headers, redirect: 'manual' })]);
  }
  for (const path of ['/subscribe', '/api/subscribe', '/confirm/x', '/unsubscribe/x'])
    answers.push([`POST ${path}`, await on.request(path, { method: 'POST', headers: FORM })]);
  answers.push(['GET /no-such-page', await on.request('/no-such-page')]);
  answers.push(['GET /api/nothing', await on.request('/api/nothing')]);
  expect(answers.length).toBeGreaterThan(40);
  return answers;
}

describe('V3 session management', () => {
  it('V3.1.1 a session token in a URL is no session: only the cookie counts', async () => {
    const { value } = await signInThroughForm();
    for (const name of ['dispatch_session', 'session', 'sid'])
      expect(
        (await app.request(`/admin?${name}=${value}`, { redirect: 'manual' })).headers.get(
          'location',
        ),
        name,
      ).toBe('/admin/sign-in');
  });

  it('V3.2.1 a sign-in makes a new session token, and a token planted before it (fixation) is never kept', async () => {
    const planted = 'dispatch_session=attacker-chosen-session-value-0123456789abcdef';
    const first = await signInThroughForm(app, keys.editor, { cookie: planted });
    const second = await signInThroughForm(app, keys.editor, { cookie: first.cookie });
    expect(first.cookie).not.toBe(planted);
    expect(second.value).not.toBe(first.value);
    expect(await signedIn(planted)).toBe(false);
    expect(await signedIn(first.cookie)).toBe(true);
    expect(await signedIn(second.cookie)).toBe(true);
  });

  it('V3.2.2 session tokens carry at least 64 bits of entropy: 256 random bits, never repeated', async () => {
    const values = new Set<string>();
    for (let i = 0; i < 20; i++) values.add((await signInThroughForm()).value);
    expect(values.size).toBe(20);
    for (const value of values) expect(value).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('V3.2.3 the session token lives only in the cookie: never in the redirect, a page or a URL', async () => {
    const { response, value, cookie } = await signInThroughForm();
    expect(response.headers.get('location')).toBe('/admin');
    for (const path of ['/admin', '/admin/issues', '/admin/subscribers', '/admin/audit'])
      expect(await (await app.request(path, { headers: { cookie } })).text(), path).not.toContain(
        value,
      );
  });

  it('V3.3.1 signing out ends the session on the server: the same cookie replayed afterwards is signed out', async () => {
    const { cookie } = await signInThroughForm();
    const signOut = await app.request('/admin/sign-out', {
      method: 'POST',
      headers: { ...FORM, cookie },
      body: new URLSearchParams({ _csrf: await csrfFor(cookie) }).toString(),
    });
    expect(signOut.status).toBe(303);
    expect(signOut.headers.get('set-cookie')).toMatch(/^dispatch_session=; Max-Age=0/);
    expect(await signedIn(cookie)).toBe(false);
  });

  it('V3.3.2 a session ends 12 hours after sign-in however busy it is: re-authentication at least daily', async () => {
    const { cookie } = await signInThroughForm();
    const at = (ms: number) =>
      createAdminApp(
        { ...stack.deps, clock: { now: () => new Date(Date.now() + ms) } },
        { logger: quietLogger() },
      );
    expect(await signedIn(cookie, at(SESSION_TTL_MS - 60_000))).toBe(true);
    expect(await signedIn(cookie, at(SESSION_TTL_MS + 1_000))).toBe(false);
  });

  it('V3.4.1 over https the session cookie is Secure', async () => {
    expect((await signInThroughForm(httpsApp())).setCookie).toMatch(/; Secure(;|$)/);
  });

  it('V3.4.2 the session cookie is HttpOnly, over http and https', async () => {
    for (const on of [app, httpsApp()])
      expect((await signInThroughForm(on)).setCookie).toMatch(/; HttpOnly(;|$)/);
  });

  it('V3.4.3 the session cookie is SameSite=Strict', async () => {
    for (const on of [app, httpsApp()])
      expect((await signInThroughForm(on)).setCookie).toMatch(/; SameSite=Strict(;|$)/);
  });

  it('V3.4.4 over https the session cookie has the __Host- prefix (Secure, Path=/, no Domain), and signs in', async () => {
    const on = httpsApp();
    const { setCookie, cookie } = await signInThroughForm(on);
    expect(setCookie).toMatch(/^__Host-dispatch_session=[A-Za-z0-9_-]{43}; /);
    expect(setCookie).not.toMatch(/domain=/i);
    expect(await signedIn(cookie, on)).toBe(true);
    // Sign-out clears the same cookie, under the same rules, or a browser would refuse it.
    const out = await on.request('/admin/sign-out', {
      method: 'POST',
      headers: { ...FORM, cookie },
      body: new URLSearchParams({ _csrf: await csrfFor(cookie, on) }).toString(),
    });
    expect(out.headers.get('set-cookie')).toMatch(
      /^__Host-dispatch_session=; Max-Age=0; Path=\/; Secure/,
    );
  });

  it('V3.4.5 the session cookie is scoped to this host (no Domain) and the whole site (Path=/)', async () => {
    const { setCookie } = await signInThroughForm();
    expect(setCookie).toMatch(/; Path=\/(;|$)/);
    expect(setCookie).not.toMatch(/domain=/i);
  });
});

describe('V4 access control', () => {
  it('V4.1.1 access is enforced on the server: without a session no workspace form changes anything, without a key no API call does', async () => {
    const email = uniqueEmail('asvs-anon');
    const page = await app.request('/admin/subscribers', {
      method: 'POST',
      headers: FORM,
      body: new URLSearchParams({ email, _csrf: 'x' }).toString(),
    });
    expect(page.status).toBe(401);
    const api = await app.request('/api/admin/issues', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ article: 'nato-western-balkans-stability' }),
    });
    expect(api.status).toBe(401);
    const { cookie } = await signInThroughForm();
    // The search box repeats what was searched for; the results say nobody matched.
    expect(
      await (await app.request(`/admin/subscribers?q=${email}`, { headers: { cookie } })).text(),
    ).toContain('data-testid="no-results"');
  });

  it('V4.1.3 least privilege: a viewer reads but changes nothing, in the workspace or the API', async () => {
    const { cookie } = await signInThroughForm(app, keys.viewer);
    expect((await app.request('/admin/subscribers', { headers: { cookie } })).status).toBe(200);
    const email = uniqueEmail('asvs-viewer');
    const form = await app.request('/admin/subscribers', {
      method: 'POST',
      headers: { ...FORM, cookie },
      body: new URLSearchParams({ email, _csrf: await csrfFor(cookie) }).toString(),
    });
    expect(form.status).toBe(403);
    const bearer = { authorization: `Bearer ${keys.viewer}` };
    expect((await app.request('/api/admin/issues', { headers: bearer })).status).toBe(200);
    const api = await app.request('/api/admin/issues', {
      method: 'POST',
      headers: { ...bearer, 'content-type': 'application/json' },
      body: JSON.stringify({ article: 'nato-western-balkans-stability' }),
    });
    expect(api.status).toBe(403);
  });

  it('V4.1.5 access control fails closed: when sessions cannot be read, the workspace answers 503, not a page', async () => {
    const { cookie } = await signInThroughForm();
    const broken = createAdminApp(
      {
        ...stack.deps,
        sessions: {
          ...stack.deps.sessions,
          get: async () => {
            throw new Error('DynamoDB is unreachable');
          },
        },
      },
      { logger: quietLogger() },
    );
    const response = await broken.request('/admin/subscribers', { headers: { cookie } });
    expect(response.status).toBeGreaterThanOrEqual(500);
    expect(await response.text()).not.toMatch(/Subscribers|sign out/i);
  });

  it('V4.2.1 a reader’s link opens only that reader’s page: a token re-pointed at another subscriber is refused', async () => {
    const token = stack.deps.signer.sign('preferences', 'reader-a');
    const [body, mac] = token.split('.') as [string, string];
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString()) as { s: string };
    const other = Buffer.from(JSON.stringify({ ...payload, s: 'reader-b' })).toString('base64url');
    for (const method of ['GET', 'POST']) {
      const response = await app.request(`/preferences/${other}.${mac}`, {
        method,
        headers: FORM,
      });
      expect(response.status, method).toBe(400);
      expect(await response.text()).toContain('link');
    }
  });

  it('V4.2.2 CSRF: a workspace form posted from another site is refused, even with a live session and its token', async () => {
    const { cookie } = await signInThroughForm();
    const csrf = await csrfFor(cookie);
    const add = (email: string, headers: Record<string, string>) =>
      app.request('/admin/subscribers', {
        method: 'POST',
        headers: { ...FORM, cookie, ...headers },
        body: new URLSearchParams({ email, _csrf: csrf }).toString(),
      });
    const refused = uniqueEmail('asvs-csrf');
    const foreign: Record<string, string>[] = [
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site' },
      { origin: 'https://evil.example' },
      { origin: 'null' },
      { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
    ];
    for (const headers of foreign) {
      const response = await add(refused, headers);
      expect(response.status, JSON.stringify(headers)).toBe(403);
      expect(await response.text()).toContain('did not come from this site');
    }
    // Sign-in too (login CSRF: signing a victim in as the attacker).
    const login = await app.request('/admin/sign-in', {
      method: 'POST',
      headers: { ...FORM, 'sec-fetch-site': 'cross-site' },
      body: new URLSearchParams({ key: keys.editor }).toString(),
    });
    expect(login.status).toBe(403);
    expect(login.headers.get('set-cookie')).toBeNull();
    // The same form from this site is taken; without the token it is not, whatever the headers say.
    const taken = uniqueEmail('asvs-csrf-ok');
    const same = { origin: 'http://localhost', 'sec-fetch-site': 'same-origin' };
    expect((await add(taken, same)).status).toBe(303);
    const noToken = await app.request('/admin/subscribers', {
      method: 'POST',
      headers: { ...FORM, cookie, ...same },
      body: new URLSearchParams({ email: uniqueEmail('asvs-no-token') }).toString(),
    });
    expect(noToken.status).toBe(403);
    const list = await (
      await app.request(`/admin/subscribers?q=asvs-csrf`, { headers: { cookie } })
    ).text();
    expect(list).toContain(taken);
    expect(list).not.toContain(refused);
  });

  it('V4.3.2 no directory listing and no repository or configuration files served', async () => {
    for (const path of [
      '/.git/config',
      '/.git/HEAD',
      '/.env',
      '/package.json',
      '/functions/',
      '/functions/config.ts',
      '/node_modules/',
      '/content/',
      '/data/',
      '/.sst/',
    ]) {
      let response = await app.request(path);
      // A trailing slash is first redirected to the path without it, on this site.
      const location = response.headers.get('location');
      if (response.status === 301 && location === path.slice(0, -1))
        response = await app.request(location);
      expect(response.status, path).toBe(404);
      expect(await response.text(), path).not.toMatch(/Index of|\[core\]|"dependencies"|import /);
    }
  });
});

describe('V8 data protection', () => {
  it('V8.2.1 no browser or shared cache keeps the workspace, the admin API or a reader’s link pages', async () => {
    const { cookie } = await signInThroughForm();
    const preferences = `/preferences/${stack.deps.signer.sign('preferences', 'anyone')}`;
    const unsubscribe = `/unsubscribe/${stack.deps.signer.sign('unsubscribe', 'anyone')}`;
    const confirm = `/confirm/${stack.deps.signer.sign('confirm', 'anyone')}`;
    const sensitive: [string, RequestInit][] = [
      ['/admin/sign-in', {}],
      ['/admin', { headers: { cookie } }],
      ['/admin/subscribers', { headers: { cookie } }],
      ['/admin/audit', { headers: { cookie } }],
      ['/admin/issues', {}],
      ['/api/admin/issues', { headers: { authorization: `Bearer ${keys.editor}` } }],
      ['/api/admin/issues', {}],
      [preferences, {}],
      [unsubscribe, {}],
      [confirm, {}],
      [confirm, { method: 'POST' }],
    ];
    for (const [path, init] of sensitive) {
      const response = await app.request(path, { ...init, redirect: 'manual' });
      expect(response.headers.get('cache-control'), `${init.method ?? 'GET'} ${path}`).toBe(
        'no-store',
      );
    }
    // The public pages and feeds stay cacheable: nothing in them is anyone's own.
    expect((await app.request('/feed.xml')).headers.get('cache-control')).toBe(
      'public, max-age=300',
    );
    expect((await app.request('/articles')).headers.get('cache-control')).not.toBe('no-store');
  });

  it('V8.3.1 keys travel in a header or a POST body, never a query string: a key in the URL is refused', async () => {
    for (const name of ['key', 'api_key', 'access_token', 'token'])
      expect(
        (await app.request(`/api/admin/issues?${name}=${encodeURIComponent(keys.editor)}`)).status,
        name,
      ).toBe(401);
    const signInPage = await (await app.request('/admin/sign-in')).text();
    expect(signInPage).toMatch(/<form[^>]*method="post"/);
  });
});

describe('V13 API', () => {
  it('V13.2.3 the admin API takes no cookies: a signed-in session without a bearer key is refused (no CSRF through it)', async () => {
    const { cookie } = await signInThroughForm();
    const response = await app.request('/api/admin/issues', {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ article: 'nato-western-balkans-stability' }),
    });
    expect(response.status).toBe(401);
    expect((await app.request('/api/admin/issues', { headers: { cookie } })).status).toBe(401);
  });
});

describe('V14 configuration', () => {
  it('V14.3.2 no debug output: an unexpected error shows neither a stack trace nor its message', async () => {
    const broken = createAdminApp(
      {
        ...stack.deps,
        issues: {
          ...stack.deps.issues,
          listByState: async () => {
            throw new Error('internal detail at /var/task/functions/secret.ts:12');
          },
        },
      },
      { logger: quietLogger() },
    );
    const { cookie } = await signInThroughForm(broken);
    for (const [path, headers] of [
      ['/admin/issues', { cookie }],
      ['/api/admin/issues', { authorization: `Bearer ${keys.editor}` }],
    ] as const) {
      const response = await broken.request(path, { headers });
      expect(response.status, path).toBe(500);
      const text = await response.text();
      expect(text, path).not.toMatch(/internal detail|secret\.ts|\n\s+at /);
    }
  });

  it('V14.3.3 no answer names the server or framework: no Server, X-Powered-By or version headers', async () => {
    for (const [what, response] of await answersFromEveryRoute()) {
      for (const header of ['server', 'x-powered-by', 'x-aspnet-version', 'x-runtime'])
        expect(response.headers.get(header), `${what}: ${header}`).toBeNull();
    }
  });

  it('V14.4.1 every answer with a body has a Content-Type, and every text or XML one its charset', async () => {
    for (const [what, response] of await answersFromEveryRoute()) {
      const type = response.headers.get('content-type');
      if (response.body === null || response.status === 303) continue;
      expect(type, what).toBeTruthy();
      if (/^text\/|xml/.test(type!)) expect(type, what).toMatch(/; charset=utf-8$/i);
    }
  });

  it('V14.4.2 every JSON answer from the API is an attachment (api.json), never rendered inline', async () => {
    let json = 0;
    for (const [what, response] of await answersFromEveryRoute()) {
      if (!what.includes(' /api/')) continue;
      if (!response.headers.get('content-type')?.startsWith('application/json')) continue;
      json++;
      expect(response.headers.get('content-disposition'), what).toBe(
        'attachment; filename="api.json"',
      );
    }
    expect(json).toBeGreaterThan(10);
  });

  it('V14.4.3 every answer has a CSP: default-src none, no inline or external script, no base or form elsewhere', async () => {
    for (const [what, response] of await answersFromEveryRoute()) {
      const csp = response.headers.get('content-security-policy') ?? '';
      expect(csp, what).toContain("default-src 'none'");
      expect(csp, what).toContain("base-uri 'none'");
      expect(csp, what).toMatch(/form-action 'self'/);
      expect(csp, what).not.toMatch(/script-src[^;]*('unsafe-inline'|'unsafe-eval'|\*|https?:)/);
    }
  });

  it('V14.4.4 every answer has X-Content-Type-Options: nosniff', async () => {
    for (const [what, response] of await answersFromEveryRoute())
      expect(response.headers.get('x-content-type-options'), what).toBe('nosniff');
  });

  it('V14.4.5 over https every answer has Strict-Transport-Security for a year, subdomains included', async () => {
    for (const [what, response] of await answersFromEveryRoute(httpsApp()))
      expect(response.headers.get('strict-transport-security'), what).toBe(
        'max-age=31536000; includeSubDomains',
      );
  });

  it('V14.4.6 Referrer-Policy same-origin on every answer: the workspace’s own pages see where a form came from, other sites see nothing', async () => {
    for (const [what, response] of await answersFromEveryRoute())
      expect(response.headers.get('referrer-policy'), what).toBe('same-origin');
  });

  it('V14.4.7 no page can be framed by another site: frame-ancestors none and X-Frame-Options DENY', async () => {
    for (const [what, response] of await answersFromEveryRoute()) {
      expect(response.headers.get('content-security-policy'), what).toContain(
        "frame-ancestors 'none'",
      );
      expect(response.headers.get('x-frame-options'), what).toBe('DENY');
    }
  });

  it('V14.4 (beyond ASVS) Permissions-Policy turns off camera, microphone, geolocation, payment and the rest on every answer', async () => {
    for (const [what, response] of await answersFromEveryRoute()) {
      const policy = response.headers.get('permissions-policy') ?? '';
      for (const feature of ['camera', 'microphone', 'geolocation', 'payment', 'usb'])
        expect(policy, what).toContain(`${feature}=()`);
    }
  });

  it('V14.5.1 methods a route does not take are refused, never served', async () => {
    for (const [method, path] of [
      ['PUT', '/'],
      ['DELETE', '/articles'],
      ['PATCH', '/subscribe'],
      ['PUT', '/admin/issues'],
      ['PUT', '/admin/sign-in'],
      ['DELETE', '/admin'],
      ['PUT', '/api/subscribe'],
      ['DELETE', '/feed.xml'],
    ] as const) {
      const response = await app.request(path, { method, headers: FORM });
      expect(response.status, `${method} ${path}`).toBeGreaterThanOrEqual(400);
      expect(response.status, `${method} ${path}`).toBeLessThan(500);
    }
  });

  it('V14.5.2 Origin grants nothing: this site’s own Origin without a session or a key is still refused', async () => {
    const own = { origin: 'http://localhost', 'sec-fetch-site': 'same-origin' };
    const form = await app.request('/admin/subscribers', {
      method: 'POST',
      headers: { ...FORM, ...own },
      body: new URLSearchParams({ email: uniqueEmail('asvs-origin'), _csrf: 'x' }).toString(),
    });
    expect(form.status).toBe(401);
    const api = await app.request('/api/admin/issues', { headers: own });
    expect(api.status).toBe(401);
  });

  it('V14.5.3 CORS: the admin API admits no other origin; only the public signup API is open, without credentials', async () => {
    const evil = { origin: 'https://evil.example' };
    const admin = await app.request('/api/admin/issues', {
      headers: { ...evil, authorization: `Bearer ${keys.editor}` },
    });
    expect(admin.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await app.request('/api/admin/issues', {
      method: 'OPTIONS',
      headers: { ...evil, 'access-control-request-method': 'POST' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    const signup = await app.request('/api/subscribe', {
      method: 'OPTIONS',
      headers: { ...evil, 'access-control-request-method': 'POST' },
    });
    expect(signup.headers.get('access-control-allow-origin')).toBe('*');
    expect(signup.headers.get('access-control-allow-credentials')).toBeNull();
  });
});
