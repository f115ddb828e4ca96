/**
 * The editors' audit trail, as an editor reads it at /admin/audit: each change made in the
 * workspace or through the API, by whom, on what; not the questions asked first, not reads.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../functions/core/access/api-keys.js';
import { createAdminApp } from '../../functions/http/admin/admin-app.js';
import type { LocalStack } from '../../local/stack.js';
import { adminApi } from '../support/admin-api.js';
import { uniqueEmail } from '../support/builders.js';
import { runScript } from '../support/processes.js';
import { quietLogger } from '../support/logger.js';
import { startTestStack } from '../support/stack.js';

let stack: LocalStack;
let app: ReturnType<typeof createAdminApp>;
const call = adminApi(() => app);

beforeAll(async () => {
  stack = await startTestStack();
  app = createAdminApp(stack.deps, { logger: quietLogger() });
});
afterAll(async () => stack?.close());

const form = (cookie: string, fields: Record<string, string>) => ({
  method: 'POST',
  headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
});

/** The audit page's rows as text: who, what, on what, through. */
async function rows(cookie: string) {
  const html = await (await app.request('/admin/audit', { headers: { cookie } })).text();
  return [...html.matchAll(/<tr><td><time[^>]*>[^<]*<\/time><\/td><td>(.*?)<\/tr>/gs)].map((m) =>
    m[1]!
      .replace(/<[^>]+>/g, ' ')
      .replace(/\s+/g, ' ')
      .trim(),
  );
}

describe('the audit trail', () => {
  it('lists who changed what, in the workspace and through the API, and not what only asked or read', async () => {
    const ana = await createApiKey(stack.deps, {
      name: 'Ana Editor',
      email: 'ana@newsroom.example',
      role: 'editor',
    });
    const bot = await createApiKey(stack.deps, {
      name: 'Newsroom bot',
      email: 'bot@newsroom.example',
      role: 'editor',
    });
    const signedIn = await app.request('/admin/sign-in', form('', { key: ana.key }));
    const cookie = signedIn.headers.get('set-cookie')!.split(';')[0]!;
    const dashboard = await (await app.request('/admin', { headers: { cookie } })).text();
    const csrf = /name="_csrf" value="([^"]+)"/.exec(dashboard)![1]!;

    const email = uniqueEmail('audited');
    const suppress = { _csrf: csrf, email, reason: 'asked by phone' };
    // The question is not the change: only the confirmed POST is recorded.
    expect((await app.request('/admin/suppressions', form(cookie, suppress))).status).toBe(200);
    const done = await app.request(
      '/admin/suppressions',
      form(cookie, { ...suppress, confirmed: 'yes' }),
    );
    expect(done.status).toBe(303);
    const created = await call('/issues', bot.key, { article: 'nato-western-balkans-stability' });
    expect(created.status).toBe(201);
    const { id } = ((await created.json()) as { issue: { id: string } }).issue;
    await call('/issues', bot.key); // a read: not recorded

    const prefix = (k: { record: { prefix: string } }) => k.record.prefix;
    expect(await rows(cookie)).toEqual([
      `Newsroom bot ${prefix(bot)}… created an issue — the API`,
      `Ana Editor ${prefix(ana)}… suppressed an address — the workspace`,
      `Ana Editor ${prefix(ana)}… signed in — the workspace`,
    ]);
    // An action on an issue names it, and links to it.
    expect((await call(`/issues/${id}/cancel`, bot.key, {})).status).toBe(200);
    expect((await rows(cookie))[0]).toBe(
      `Newsroom bot ${prefix(bot)}… cancelled an issue ${id} the API`,
    );
    const html = await (await app.request('/admin/audit', { headers: { cookie } })).text();
    expect(html).toContain(`<a href="/admin/issues/${id}">${id}</a>`);
  });

  it('lists the keys the CLI creates and revokes, naming the operator', async () => {
    const cookie = (
      await app.request(
        '/admin/sign-in',
        form('', {
          key: (
            await createApiKey(stack.deps, {
              name: 'Reader of the trail',
              email: 'trail@newsroom.example',
              role: 'viewer',
            })
          ).key,
        }),
      )
    ).headers
      .get('set-cookie')!
      .split(';')[0]!;
    const env = { ...process.env, ...stack.env, DATA_DIR: stack.dataDir, USER: 'ops-ana' };
    const args = [
      'create',
      '--name',
      'New hire',
      '--email',
      'hire@newsroom.example',
      '--role',
      'viewer',
    ];
    const created = await runScript('cli/keys.ts', args, env).exit();
    expect(created.code).toBe(0);
    const prefix = /\((dsp_[^…]+)…\)/.exec(created.stdout)![1]!;
    expect((await runScript('cli/keys.ts', ['revoke', prefix], env).exit()).code).toBe(0);
    expect((await rows(cookie)).slice(0, 2)).toEqual([
      `ops-ana (CLI) revoked a key ${prefix} the CLI`,
      `ops-ana (CLI) created a key ${prefix} the CLI`,
    ]);
  });
});
