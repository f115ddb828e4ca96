/**
 * An editor's test send: only to the addresses the workspace's keys carry (the sender's own by
 * default), never to a suppressed one, and its unsubscribe link (which belongs to no reader)
 * answers with a page that says so, not a broken-link 400.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiKeyRecord, createApiKey, hashKey } from '../../functions/core/access/api-keys.js';
import { createArticleIssue } from '../../functions/core/issues/manage-issues.js';
import { testSendIssue } from '../../functions/core/issues/preview.js';
import { createAdminApp } from '../../functions/http/admin/admin-app.js';
import { createApp } from '../../functions/http/app.js';
import type { LocalStack } from '../../local/stack.js';
import { adminApi } from '../support/admin-api.js';
import { uniqueEmail } from '../support/builders.js';
import { quietLogger } from '../support/logger.js';
import { emailsTo, headerValue, rawMessage, startTestStack, waitFor } from '../support/stack.js';

let stack: LocalStack;
let app: ReturnType<typeof createApp>;
let admin: ReturnType<typeof createAdminApp>;
const call = adminApi(() => admin);
const SLUG = 'nato-western-balkans-stability';

/** A key for a new holder, with a fresh address: the key, its record and the address. */
async function anEditor(name: string) {
  const email = uniqueEmail(name.toLowerCase());
  const { key, record } = await createApiKey(stack.deps, { name, email, role: 'editor' });
  return { key, record, email };
}
const arrived = (address: string) =>
  waitFor(async () => {
    const found = await emailsTo(stack.sesEndpoint, address);
    return found.length ? found : undefined;
  }, `the test email to ${address}`);

beforeAll(async () => {
  stack = await startTestStack();
  app = createApp(stack.deps, { logger: quietLogger() });
  admin = createAdminApp(stack.deps, { logger: quietLogger() });
});
afterAll(async () => stack?.close());

describe('test sends', () => {
  it('go only to the keys’ addresses: another is refused (422 naming to) and receives nothing; the sender’s own is the default', async () => {
    const issue = await createArticleIssue(stack.deps, { article: SLUG, id: 'test-send-only' });
    const ana = await anEditor('Ana');
    const ben = await anEditor('Ben');
    const stranger = uniqueEmail('stranger');
    await expect(
      testSendIssue(stack.deps, issue, `${ben.email}, ${stranger}`, ana.record),
    ).rejects.toMatchObject({
      code: 'invalid_input',
      details: { issues: [{ field: 'to', message: `${stranger} is not an editor's address` }] },
    });
    const api = await call(`/issues/${issue.id}/test`, ana.key, { to: stranger.toUpperCase() });
    expect(api.status).toBe(422);
    expect(await api.json()).toMatchObject({ error: { issues: [{ field: 'to' }] } });
    expect(await emailsTo(stack.sesEndpoint, stranger)).toEqual([]);
    expect(await emailsTo(stack.sesEndpoint, ben.email)).toEqual([]);

    // No address given: the caller's own. A colleague's, named: theirs.
    const own = await call(`/issues/${issue.id}/test`, ana.key, {});
    expect(await own.json()).toEqual({ sentTo: [ana.email] });
    const named = await call(`/issues/${issue.id}/test`, ana.key, { to: ben.email });
    expect(await named.json()).toEqual({ sentTo: [ben.email] });
    for (const address of [ana.email, ben.email])
      expect((await arrived(address)).map((m) => m.subject)).toEqual([
        '[TEST] NATO Reaffirms Its Commitment to Stability in the Western Balkans',
      ]);
    expect(await emailsTo(stack.sesEndpoint, stranger)).toEqual([]);
    // The editors, as the workspace and the API list them.
    const editors = (await (await call('/editors', ana.key)).json()) as {
      editors: { name: string; email: string }[];
    };
    expect(editors.editors).toEqual(
      expect.arrayContaining([
        { name: 'Ana', email: ana.email, role: 'editor' },
        { name: 'Ben', email: ben.email, role: 'editor' },
      ]),
    );
  });

  it('refuse a revoked key’s address, and a key made before keys carried one cannot test-send', async () => {
    const issue = await createArticleIssue(stack.deps, { article: SLUG, id: 'test-send-keys' });
    const ana = await anEditor('Ana');
    const leaver = await anEditor('Leaver');
    await stack.deps.apiKeys.revoke(leaver.record.prefix, new Date());
    await expect(testSendIssue(stack.deps, issue, leaver.email, ana.record)).rejects.toMatchObject({
      code: 'invalid_input',
      details: { issues: [{ field: 'to' }] },
    });

    const oldKey = 'dsp_an-old-key-with-no-address-0123456789abcdefghijklmnop';
    const old: ApiKeyRecord = {
      hash: hashKey(oldKey),
      prefix: oldKey.slice(0, 12),
      name: 'Old key',
      role: 'editor',
      createdAt: new Date().toISOString(),
    };
    await stack.deps.apiKeys.create(old);
    expect((await call('/issues', oldKey)).status).toBe(200);
    const refused = await call(`/issues/${issue.id}/test`, oldKey, { to: ana.email });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({
      error: { message: expect.stringMatching(/carries no address of its own/) },
    });
    expect(await emailsTo(stack.sesEndpoint, ana.email)).toEqual([]);
    expect(await emailsTo(stack.sesEndpoint, leaver.email)).toEqual([]);
  });

  it('refuse a suppressed address, even an editor’s, naming it, and send nothing to anyone listed', async () => {
    const issue = await createArticleIssue(stack.deps, {
      article: SLUG,
      id: 'test-send-suppressed',
    });
    const editor = await anEditor('Editor');
    const complained = await anEditor('Complained');
    await stack.deps.suppressions.suppress(complained.email, 'complaint', new Date());
    await expect(
      testSendIssue(stack.deps, issue, `${editor.email}, ${complained.email}`, editor.record),
    ).rejects.toMatchObject({
      code: 'invalid_input',
      message: `${complained.email} is on the suppression list: test sends never go there.`,
    });
    expect(await emailsTo(stack.sesEndpoint, complained.email)).toEqual([]);
    expect(await emailsTo(stack.sesEndpoint, editor.email)).toEqual([]);
  });

  it('carry a one-click unsubscribe that answers 200 with a page saying it was a test', async () => {
    const issue = await createArticleIssue(stack.deps, { article: SLUG, id: 'test-send-links' });
    const editor = await anEditor('Editor');
    await testSendIssue(stack.deps, issue, undefined, editor.record);
    const [sent] = await arrived(editor.email);
    const { parsed } = await rawMessage(stack, sent!.messageId);
    const url = new URL(/<([^>]+)>/.exec(headerValue(parsed, 'List-Unsubscribe')!)![1]!);
    for (const method of ['GET', 'POST']) {
      const response = await app.request(url.pathname, {
        method,
        ...(method === 'POST' && {
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: 'List-Unsubscribe=One-Click',
        }),
      });
      expect(response.status, method).toBe(200);
      expect(await response.text()).toContain('This was a test email');
    }
  });
});
