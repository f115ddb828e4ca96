import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../functions/core/access/api-keys.js';
import { createAdminApp } from '../../functions/http/admin/admin-app.js';
import type { LocalStack } from '../../infra/local/stack.js';
import { aSubscriber } from '../support/builders.js';
import { startTestStack } from '../support/stack.js';

let stack: LocalStack;
let app: ReturnType<typeof createAdminApp>;
let editor: string;
let viewer: string;

beforeAll(async () => {
  stack = await startTestStack();
  app = createAdminApp(stack.deps, { log: () => {} });
  editor = (await createApiKey(stack.deps, { name: 'Editor', role: 'editor' })).key;
  viewer = (await createApiKey(stack.deps, { name: 'Viewer', role: 'viewer' })).key;
});
afterAll(async () => stack?.close());

const call = (path: string, key: string | undefined, body?: unknown) =>
  app.request(`/api/admin${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

describe('the admin API for issues', () => {
  it('refuses a missing, wrong or revoked key with 401, and a viewer’s change with 403', async () => {
    expect((await call('/issues', undefined)).status).toBe(401);
    expect((await call('/issues', 'dsp_not-a-real-key')).status).toBe(401);
    expect((await call('/issues', viewer)).status).toBe(200);
    const refused = await call('/issues', viewer, { article: 'nato-western-balkans-stability' });
    expect(refused.status).toBe(403);
    const { key, record } = await createApiKey(stack.deps, { name: 'Leaver', role: 'editor' });
    expect((await call('/issues', key)).status).toBe(200);
    await stack.deps.apiKeys.revoke(record.prefix, new Date());
    expect((await call('/issues', key)).status).toBe(401);
    expect((await stack.deps.apiKeys.list()).every((k) => !JSON.stringify(k).includes(key))).toBe(true);
  });

  it('creates, schedules, sends, pauses, resumes and reports an issue; two concurrent "send now" start it once', async () => {
    await stack.deps.subscribers.create(aSubscriber({ topics: ['security'] }));
    const created = await call('/issues', editor, { article: 'nato-western-balkans-stability', subject: 'This week in the Balkans', editorNote: 'A note.' });
    expect(created.status).toBe(201);
    const { issue } = (await created.json()) as { issue: { id: string; state: string } };
    expect(issue.state).toBe('draft');

    const bad = await call(`/issues/${issue.id}/schedule`, editor, { at: 'tomorrow-ish' });
    expect(bad.status).toBe(422);
    expect(await bad.json()).toMatchObject({ error: { issues: [{ field: 'at' }] } });
    const scheduled = await call(`/issues/${issue.id}/schedule`, editor, { at: new Date(Date.now() + 3_600_000).toISOString() });
    expect(await scheduled.json()).toMatchObject({ issue: { state: 'scheduled' }, changed: true });

    const [a, b] = await Promise.all([call(`/issues/${issue.id}/send`, editor, {}), call(`/issues/${issue.id}/send`, editor, {})]);
    const results = [(await a.json()) as { changed: boolean }, (await b.json()) as { changed: boolean }];
    expect(results.filter((r) => r.changed)).toHaveLength(1);

    expect(await (await call(`/issues/${issue.id}/pause`, editor, {})).json()).toMatchObject({ issue: { state: 'paused' } });
    expect(await (await call(`/issues/${issue.id}/resume`, editor, {})).json()).toMatchObject({ issue: { state: 'sending' } });
    const report = await (await call(`/issues/${issue.id}`, viewer)).json();
    expect(report).toMatchObject({ issue: { id: issue.id, state: 'sending', total: 1 }, counts: { sent: 0 }, remaining: 1 });
    expect(await (await call(`/issues?state=sending`, viewer)).json()).toMatchObject({ issues: [{ id: issue.id }] });

    const conflict = await call(`/issues/${issue.id}/schedule`, editor, { at: new Date(Date.now() + 3_600_000).toISOString() });
    expect(conflict.status).toBe(409);
    expect((await call('/issues/no-such-issue', viewer)).status).toBe(404);
  });
});
