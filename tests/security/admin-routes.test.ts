import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../functions/core/access/api-keys.js';
import { signIn } from '../../functions/core/access/sessions.js';
import { createAdminApp } from '../../functions/http/admin/admin-app.js';
import type { LocalStack } from '../../local/stack.js';
import { startTestStack } from '../support/stack.js';
import { quietLogger } from '../support/logger.js';

let stack: LocalStack;
let app: ReturnType<typeof createAdminApp>;
const keys = { editor: '', viewer: '', revoked: '' };

beforeAll(async () => {
  stack = await startTestStack();
  app = createAdminApp(stack.deps, { logger: quietLogger() });
  keys.editor = (
    await createApiKey(stack.deps, { name: 'E', email: 'e@example.org', role: 'editor' })
  ).key;
  keys.viewer = (
    await createApiKey(stack.deps, { name: 'V', email: 'v@example.org', role: 'viewer' })
  ).key;
  const revoked = await createApiKey(stack.deps, {
    name: 'R',
    email: 'r@example.org',
    role: 'editor',
  });
  keys.revoked = revoked.key;
  await stack.deps.apiKeys.revoke(revoked.record.prefix, new Date());
});
afterAll(async () => stack?.close());

/** Every route the app itself registered under the admin prefixes, with its parameters filled in. */
function adminRoutes(prefix: string, open: RegExp) {
  const seen = new Set<string>();
  return app.routes
    .filter((r) => r.path.startsWith(prefix) && r.method !== 'ALL' && !open.test(r.path))
    .map((r) => ({
      method: r.method,
      path: r.path.replace(/:[a-zA-Z]+/g, 'x-param').replace(/\{[a-zA-Z]+\}/g, 'x-param'),
    }))
    .filter((r) => {
      const key = `${r.method} ${r.path}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
}

const request = (
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
) =>
  app.request(path, {
    method,
    headers,
    body: method === 'GET' || method === 'HEAD' ? undefined : body,
    redirect: 'manual',
  });

describe('every admin route, enumerated from the app', () => {
  it('the admin API refuses a missing, wrong and revoked key; a viewer key cannot change anything', async () => {
    const routes = adminRoutes('/api/admin', /openapi\.json|\/docs$/);
    expect(routes.length).toBeGreaterThanOrEqual(15);
    for (const { method, path } of routes) {
      const json = { 'content-type': 'application/json' };
      for (const [who, headers] of [
        ['no key', {}],
        ['wrong key', { authorization: 'Bearer dsp_wrong' }],
        ['revoked key', { authorization: `Bearer ${keys.revoked}` }],
        ['not a bearer', { authorization: keys.editor }],
      ] as const) {
        const response = await request(method, path, { ...json, ...headers }, '{}');
        expect(response.status, `${method} ${path} with ${who}`).toBe(401);
        expect(await response.text(), `${method} ${path} with ${who} reveals nothing`).not.toMatch(
          /x-param|issue|subscriber/i,
        );
      }
      if (method !== 'GET') {
        const response = await request(
          method,
          path,
          { ...json, authorization: `Bearer ${keys.viewer}` },
          '{"article":"nato-western-balkans-stability","email":"a@example.com","reason":"r","at":"2030-01-01T00:00:00Z","to":"a@example.com"}',
        );
        expect(response.status, `${method} ${path} with a viewer key`).toBe(403);
      }
    }
  });

  it('the workspace sends a visitor without a session to sign-in, refuses a form without a session, and a viewer’s or a forged form', async () => {
    const routes = adminRoutes('/admin', /^\/admin\/sign-in$/);
    expect(routes.length).toBeGreaterThanOrEqual(20);
    const viewer = await signIn(stack.deps, keys.viewer);
    const editor = await signIn(stack.deps, keys.editor);
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    for (const { method, path } of routes) {
      const anonymous = await request(method, path, form, '_csrf=x');
      if (method === 'GET') {
        expect(anonymous.status, `GET ${path} without a session`).toBe(303);
        expect(anonymous.headers.get('location')).toBe('/admin/sign-in');
      } else {
        expect(anonymous.status, `${method} ${path} without a session`).toBe(401);
        const forged = await request(
          method,
          path,
          { ...form, cookie: `dispatch_session=${editor.cookie}` },
          '_csrf=forged',
        );
        expect(forged.status, `${method} ${path} with a forged CSRF token`).toBe(403);
        if (path !== '/admin/sign-out') {
          const asViewer = await request(
            method,
            path,
            { ...form, cookie: `dispatch_session=${viewer.cookie}` },
            `_csrf=${viewer.session.csrf}`,
          );
          expect(asViewer.status, `${method} ${path} as a viewer`).toBe(403);
        }
      }
    }
  });
});
