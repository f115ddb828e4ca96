import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../functions/core/access/api-keys.js';
import { createAdminApp } from '../../functions/http/admin/admin-app.js';
import type { LocalStack } from '../../local/stack.js';
import { aSubscriber } from '../support/builders.js';
import { emailsTo, startTestStack } from '../support/stack.js';
import { givenUp, queuedEntry } from '../../functions/core/outbox/entry.js';
import { adminApi } from '../support/admin-api.js';
import { captureLogger } from '../support/logger.js';

let stack: LocalStack;
let app: ReturnType<typeof createAdminApp>;
let editor: string;
let viewer: string;
const logger = captureLogger();

beforeAll(async () => {
  stack = await startTestStack();
  app = createAdminApp(stack.deps, { logger });
  editor = (
    await createApiKey(stack.deps, { name: 'Editor', email: 'editor@example.org', role: 'editor' })
  ).key;
  viewer = (
    await createApiKey(stack.deps, { name: 'Viewer', email: 'viewer@example.org', role: 'viewer' })
  ).key;
});
afterAll(async () => stack?.close());

const call = adminApi(() => app);

describe('the admin API for issues', () => {
  it('refuses a missing, wrong or revoked key with 401, and a viewer’s change with 403', async () => {
    expect((await call('/issues', undefined)).status).toBe(401);
    expect((await call('/issues', 'dsp_not-a-real-key')).status).toBe(401);
    expect((await call('/issues', viewer)).status).toBe(200);
    const refused = await call('/issues', viewer, { article: 'nato-western-balkans-stability' });
    expect(refused.status).toBe(403);
    const { key, record } = await createApiKey(stack.deps, {
      name: 'Leaver',
      email: 'leaver@example.org',
      role: 'editor',
    });
    expect((await call('/issues', key)).status).toBe(200);
    await stack.deps.apiKeys.revoke(record.prefix, new Date());
    expect((await call('/issues', key)).status).toBe(401);
    expect((await stack.deps.apiKeys.list()).every((k) => !JSON.stringify(k).includes(key))).toBe(
      true,
    );
  });

  it('creates, schedules, sends, pauses, resumes and reports an issue; two concurrent "send now" start it once', async () => {
    await stack.deps.subscribers.create(aSubscriber({ topics: ['security'] }));
    const created = await call('/issues', editor, {
      article: 'nato-western-balkans-stability',
      subject: 'This week in the Balkans',
      editorNote: 'A note.',
    });
    expect(created.status).toBe(201);
    const { issue } = (await created.json()) as { issue: { id: string; state: string } };
    expect(issue.state).toBe('draft');

    const bad = await call(`/issues/${issue.id}/schedule`, editor, { at: 'tomorrow-ish' });
    expect(bad.status).toBe(422);
    expect(await bad.json()).toMatchObject({ error: { issues: [{ field: 'at' }] } });
    const scheduled = await call(`/issues/${issue.id}/schedule`, editor, {
      at: new Date(Date.now() + 3_600_000).toISOString(),
    });
    expect(await scheduled.json()).toMatchObject({ issue: { state: 'scheduled' }, changed: true });

    const [a, b] = await Promise.all([
      call(`/issues/${issue.id}/send`, editor, {}),
      call(`/issues/${issue.id}/send`, editor, {}),
    ]);
    const results = [
      (await a.json()) as { changed: boolean },
      (await b.json()) as { changed: boolean },
    ];
    expect(results.filter((r) => r.changed)).toHaveLength(1);

    expect(await (await call(`/issues/${issue.id}/pause`, editor, {})).json()).toMatchObject({
      issue: { state: 'paused' },
    });
    expect(await (await call(`/issues/${issue.id}/resume`, editor, {})).json()).toMatchObject({
      issue: { state: 'sending' },
    });
    const report = await (await call(`/issues/${issue.id}`, viewer)).json();
    expect(report).toMatchObject({
      issue: { id: issue.id, state: 'sending', total: 1, totalEstimated: true },
      counts: { sent: 0 },
      remaining: 1,
    });
    expect(await (await call(`/issues?state=sending`, viewer)).json()).toMatchObject({
      issues: [{ id: issue.id }],
    });

    const conflict = await call(`/issues/${issue.id}/schedule`, editor, {
      at: new Date(Date.now() + 3_600_000).toISOString(),
    });
    expect(conflict.status).toBe(409);
    expect((await call('/issues/no-such-issue', viewer)).status).toBe(404);
  });

  it('describes itself with a valid OpenAPI 3.1 document, served with a docs page', async () => {
    const response = await call('/openapi.json', undefined);
    expect(response.status).toBe(200);
    const document = (await response.json()) as { openapi: string; paths: Record<string, unknown> };
    const validator = new Validator();
    const result = await validator.validate(document as never);
    expect(result.errors ?? [], JSON.stringify(result.errors)).toEqual([]);
    expect(result.valid).toBe(true);
    expect(document.openapi).toBe('3.1.0');
    expect(Object.keys(document.paths).sort()).toEqual([
      '/articles',
      '/articles/waiting',
      '/articles/workspace',
      '/articles/{slug}',
      '/articles/{slug}/approve',
      '/articles/{slug}/dismiss',
      '/articles/{slug}/preview',
      '/articles/{slug}/publish',
      '/articles/{slug}/revisions',
      '/articles/{slug}/revisions/{n}/restore',
      '/articles/{slug}/schedule',
      '/articles/{slug}/source',
      '/articles/{slug}/unpublish',
      '/digests',
      '/digests/segments',
      '/digests/{frequency}/segment',
      '/editors',
      '/exports',
      '/exports/{id}',
      '/images',
      '/imports',
      '/imports/{id}',
      '/imports/{id}/start',
      '/issues',
      '/issues/{id}',
      '/issues/{id}/ambiguous',
      '/issues/{id}/ambiguous/{subscriberId}',
      '/issues/{id}/cancel',
      '/issues/{id}/engagement',
      '/issues/{id}/pause',
      '/issues/{id}/resume',
      '/issues/{id}/schedule',
      '/issues/{id}/send',
      '/issues/{id}/test',
      '/outbox/failed',
      '/outbox/{holder}/{id}/retry',
      '/segments',
      '/segments/preview',
      '/segments/{id}',
      '/segments/{id}/preview',
      '/sending-hold',
      '/stats',
      '/subscribers',
      '/subscribers/{id}',
      '/subscribers/{id}/history',
      '/suppressions',
      '/suppressions/remove',
      '/webhooks',
      '/webhooks/{id}',
      '/webhooks/{id}/remove',
      '/webhooks/{id}/replay',
    ]);
    expect(await (await call('/docs', undefined)).text()).toContain(
      '/api/admin/issues/{id}/schedule',
    );
    // A reader's name and custom fields, with the declared fields named (content/fields.json).
    const schemas = (
      document as unknown as { components: { schemas: Record<string, { description?: string }> } }
    ).components.schemas;
    expect(schemas.AddSubscriber).toMatchObject({
      properties: {
        name: { type: 'string', maxLength: 100 },
        fields: { $ref: '#/components/schemas/FieldValues' },
      },
    });
    expect(schemas.Subscriber).toMatchObject({ properties: { name: {}, fields: {} } });
    expect(schemas.FieldValues?.description).toMatch(
      /city \(text, public\); print_subscriber \(boolean, editors only\)/,
    );
    // The sending hold: read by anyone, cleared by an editor, described by its own schema.
    const hold = document.paths['/sending-hold'] as Record<string, { responses: object }>;
    expect(Object.keys(hold).sort()).toEqual(['delete', 'get']);
    expect(Object.keys(hold.delete!.responses)).toContain('403');
    const components = (document as { components?: { schemas?: Record<string, unknown> } })
      .components?.schemas;
    expect(components?.SendingHold).toMatchObject({
      required: ['alarm', 'reason', 'since'],
    });
    expect(components?.LinkEngagement).toMatchObject({
      required: ['link', 'clicks', 'uniqueClickers', 'botClicks'],
    });
  });

  it('answers a retry with the same Idempotency-Key and body with the first answer, and another body with 409', async () => {
    const post = (body: unknown, key: string) =>
      app.request('/api/admin/issues', {
        method: 'POST',
        headers: {
          authorization: `Bearer ${editor}`,
          'content-type': 'application/json',
          'idempotency-key': key,
        },
        body: JSON.stringify(body),
      });
    const key = `create-${Date.now()}`;
    const first = await post({ article: 'nato-western-balkans-stability', subject: 'Once' }, key);
    const again = await post({ article: 'nato-western-balkans-stability', subject: 'Once' }, key);
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await again.json()).toEqual(await first.json());
    const other = await post({ article: 'nato-western-balkans-stability', subject: 'Twice' }, key);
    expect(other.status).toBe(409);
    const list = (await (await call('/issues?state=draft', viewer)).json()) as {
      issues: { subject: string }[];
    };
    expect(list.issues.filter((i) => i.subject === 'Once')).toHaveLength(1);
  });

  it('validates bodies field by field from the same schemas', async () => {
    const bad = await call('/issues', editor, {
      article: 'Not A Slug',
      topics: ['astrology'],
      frequencies: ['hourly'],
    });
    expect(bad.status).toBe(422);
    const body = (await bad.json()) as { error: { issues: { field: string }[] } };
    expect(body.error.issues.map((i) => i.field).sort()).toEqual([
      'article',
      'frequencies.0',
      'topics.0',
    ]);
  });

  it('does the workspace’s subscriber, suppression and preview work as endpoints', async () => {
    const email = `api.${Date.now()}@example.com`;
    expect((await call('/subscribers', viewer, { email })).status).toBe(403);
    expect((await call('/subscribers', editor, { email, topics: ['economy'] })).status).toBe(202);
    // An editor may set an editor-only field; an undeclared one or a wrong type is named.
    const refused = await call('/subscribers', editor, {
      email,
      fields: { print_subscriber: 'perhaps', planet: 'Mars' },
    });
    expect(refused.status).toBe(422);
    expect(
      ((await refused.json()) as { error: { issues: { field: string }[] } }).error.issues
        .map((i) => i.field)
        .sort(),
    ).toEqual(['fields.planet', 'fields.print_subscriber']);
    const named = `api.named.${Date.now()}@example.com`;
    expect(
      (
        await call('/subscribers', editor, {
          email: named,
          name: 'Ana',
          fields: { print_subscriber: true },
        })
      ).status,
    ).toBe(202);
    const found = (await (
      await call(`/subscribers?email=${encodeURIComponent(email.toUpperCase())}`, viewer)
    ).json()) as { subscribers: { id: string; state: string }[] };
    expect(found.subscribers).toMatchObject([{ state: 'pending' }]);
    const id = found.subscribers[0]!.id;
    expect(await (await call(`/subscribers/${id}`, viewer)).json()).toMatchObject({
      email,
      topics: ['economy'],
      suppressed: false,
    });
    const namedFound = (await (
      await call(`/subscribers?email=${encodeURIComponent(named)}`, viewer)
    ).json()) as { subscribers: { name?: string; fields?: unknown }[] };
    expect(namedFound.subscribers).toMatchObject([
      { name: 'Ana', fields: { print_subscriber: true } },
    ]);

    // The export is a background job: 202 with it, then its link once done (the stack runs it at once).
    expect((await call('/exports', viewer, {})).status).toBe(403);
    const started = await call('/exports', editor, {});
    expect(started.status).toBe(202);
    const { export: queued } = (await started.json()) as { export: { id: string; state: string } };
    expect(started.headers.get('location')).toBe(`/api/admin/exports/${queued.id}`);
    type Export = { state: string; rows: number; download?: { url: string } };
    let exported: Export = { state: queued.state, rows: 0 };
    for (let i = 0; i < 100 && exported.state !== 'done'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      exported = (
        (await (await call(`/exports/${queued.id}`, viewer)).json()) as { export: Export }
      ).export;
    }
    expect(exported).toMatchObject({ state: 'done', rows: expect.any(Number) });
    const csv = await (await fetch(exported.download!.url)).text();
    expect(csv).toContain(email);
    expect((await call(`/exports/${crypto.randomUUID()}`, viewer)).status).toBe(404);
    const imported = await app.request('/api/admin/subscribers/import', {
      method: 'POST',
      headers: { authorization: `Bearer ${editor}`, 'content-type': 'text/csv' },
      body: `email,topics,frequency,consent,consent_source\nimported.${Date.now()}@example.com,security,daily,yes,paper form at the fair\nbroken,,,,\n`,
    });
    expect(await imported.json()).toMatchObject({
      imported: 1,
      errors: [{ line: 3, issues: [{ field: 'email' }] }],
    });

    const erase = await app.request(`/api/admin/subscribers/${id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${editor}` },
    });
    expect(erase.status).toBe(204);
    expect((await call(`/subscribers/${id}`, viewer)).status).toBe(404);
    const suppressions = (await (await call('/suppressions', viewer)).json()) as {
      suppressions: { email?: string; reason: string }[];
    };
    expect(
      suppressions.suppressions.some((e) => e.reason === 'erased' && e.email === undefined),
    ).toBe(true);
    expect(JSON.stringify(suppressions)).not.toContain(email);

    expect(
      (
        await call('/suppressions', editor, {
          email: 'noisy@example.com',
          reason: 'asked by phone',
        })
      ).status,
    ).toBe(204);
    const reader = aSubscriber();
    await stack.deps.subscribers.create(reader);
    expect(
      (await call('/suppressions', editor, { email: reader.email, reason: 'asked by letter' }))
        .status,
    ).toBe(204);
    expect(await stack.deps.subscribers.get(reader.id)).toMatchObject({ state: 'unsubscribed' });
    expect((await call('/suppressions', editor, { email: 'x@example.com' })).status).toBe(422);
    expect(
      (await call('/suppressions/remove', editor, { email: 'noisy@example.com', reason: '' }))
        .status,
    ).toBe(422);
    expect(
      (
        await call('/suppressions/remove', editor, {
          email: 'noisy@example.com',
          reason: 'asked again',
        })
      ).status,
    ).toBe(204);
    // Who allowed an address again, and why, is on record; the address itself is not.
    const removals = logger.lines.filter((line) => line.message === 'suppression_removed');
    expect(removals).toEqual([
      expect.objectContaining({ level: 'INFO', reason: 'asked again', by: expect.any(String) }),
    ]);
    expect(JSON.stringify(removals)).not.toContain('noisy@example.com');

    expect(await (await call('/digests', editor, { frequency: 'daily' })).json()).toEqual({
      status: 'nothing_new',
    });
    expect((await call('/digests', editor, { frequency: 'hourly' })).status).toBe(422);
    const stats = (await (await call('/stats', viewer)).json()) as {
      counts: Record<string, number>;
    };
    expect(stats.counts['state:confirmed']).toBeGreaterThanOrEqual(1);

    const preview = (await (
      await call('/articles/nato-western-balkans-stability/preview', viewer)
    ).json()) as { subject: string; html: string; text: string };
    expect(preview.subject).toBe(
      'NATO Reaffirms Its Commitment to Stability in the Western Balkans',
    );
    expect(preview.html).toContain('Manage your preferences');
    expect(preview.text).toContain('NATO has reiterated');
  });
});

describe('the admin API for the outbox', () => {
  it('lists a given-up email with its reason, and an editor’s retry sends it once', async () => {
    const reader = aSubscriber({
      email: `given-up-${Date.now()}@example.com`,
      state: 'pending',
      outbox: givenUp(
        queuedEntry('confirmation', new Date()),
        'rejected: MessageRejected',
        new Date(),
      ),
    });
    await stack.deps.subscribers.create(reader);
    const listed = await call('/outbox/failed', viewer);
    expect(listed.status).toBe(200);
    const { entries } = (await listed.json()) as { entries: Record<string, unknown>[] };
    expect(entries).toContainEqual(
      expect.objectContaining({
        holder: 'subscriber',
        id: reader.id,
        to: reader.email,
        kind: 'confirmation',
        state: 'failed',
        reason: 'rejected: MessageRejected',
      }),
    );
    expect((await call(`/outbox/subscriber/${reader.id}/retry`, viewer, {})).status).toBe(403);
    const retried = await call(`/outbox/subscriber/${reader.id}/retry`, editor, {});
    expect(retried.status).toBe(200);
    expect(await retried.json()).toMatchObject({ state: 'queued', kind: 'confirmation' });
    expect((await call(`/outbox/subscriber/${reader.id}/retry`, editor, {})).status).toBe(404);
    expect(await emailsTo(stack.sesEndpoint, reader.email)).toHaveLength(1);
    const after = (await (await call('/outbox/failed', viewer)).json()) as {
      entries: { id: string }[];
    };
    expect(after.entries.map((e) => e.id)).not.toContain(reader.id);
  });
});
