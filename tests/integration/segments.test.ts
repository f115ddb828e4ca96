import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MjmlIssueRenderer } from '../../functions/adapters/mjml/mjml-renderer.js';
import { buildDeliveryDeps, parseConfig } from '../../functions/config.js';
import { createApiKey } from '../../functions/core/access/api-keys.js';
import { runWorker } from '../../functions/core/delivery/worker.js';
import type { Subscriber } from '../../functions/core/subscribers/subscriber.js';
import { createAdminApp } from '../../functions/http/admin/admin-app.js';
import type { ErrorEnvelope } from '../../functions/http/errors.js';
import type { LocalStack } from '../../local/stack.js';
import { adminApi } from '../support/admin-api.js';
import { aSubscriber } from '../support/builders.js';
import { captureLogger } from '../support/logger.js';
import { seedReaders, startTestStack, type StoredEmail } from '../support/stack.js';

/**
 * Segments through the admin API on the local stack (dynalite, the SES emulator): saved,
 * previewed, edited, deleted; an issue that targets one reaches exactly the readers its preview
 * counted, as the SES emulator received them; one that reaches nobody is refused with its count.
 */
let stack: LocalStack;
let app: ReturnType<typeof createAdminApp>;
let editor: string;
let viewer: string;
let readers: Subscriber[];
const call = adminApi(() => app);

/**
 * 36 confirmed readers over topics, frequencies, the declared fields (content/fields.json: city,
 * print_subscriber) and two signup months, and pending ones that match every rule (never sent).
 */
const reader = (i: number) =>
  aSubscriber({
    email: `segment.${String(i).padStart(2, '0')}@example.com`,
    topics: [['security'], ['politics'], ['economy', 'security']][i % 3]!,
    frequency: i % 2 ? 'weekly' : 'immediate',
    fields: [
      { city: 'Skopje', print_subscriber: true },
      { city: ' skopje' },
      { city: 'Ohrid', print_subscriber: true },
      undefined,
    ][i % 4],
    createdAt: i < 18 ? '2026-03-01T09:00:00.000Z' : '2026-10-01T09:00:00.000Z',
  });

/** In Skopje (any case), signed up after June, following security or economy. */
const SKOPJE = {
  name: 'Skopje, since summer',
  rules: [
    { kind: 'field', key: 'city', op: 'equals', value: 'SKOPJE' },
    { kind: 'signup', op: 'after', value: '2026-06-30' },
    { kind: 'topics', match: 'any', topics: ['security', 'economy'] },
  ],
};
const inSkopje = (s: Subscriber) =>
  s.state === 'confirmed' &&
  String(s.fields?.city ?? '')
    .trim()
    .toLowerCase() === 'skopje' &&
  s.createdAt > '2026-07-01' &&
  s.topics.some((t) => t === 'security' || t === 'economy');

beforeAll(async () => {
  stack = await startTestStack({ LOCAL_SES_MAX_SEND_RATE: '100000', SEND_RATE: '5000' });
  app = createAdminApp(stack.deps, { logger: captureLogger() });
  editor = (await createApiKey(stack.deps, { name: 'Ed', email: 'ed@example.org', role: 'editor' }))
    .key;
  viewer = (await createApiKey(stack.deps, { name: 'Vi', email: 'vi@example.org', role: 'viewer' }))
    .key;
  readers = [
    ...(await seedReaders(stack, 36, reader)),
    ...(await seedReaders(stack, 3, (i) => {
      const { id: _id, email: _email, ...like } = reader(i * 4 + 20);
      return aSubscriber({ ...like, email: `pending.${i}@example.com`, state: 'pending' });
    })),
  ];
});
afterAll(async () => stack?.close());

const issuesOf = async (response: Response) =>
  ((await response.json()) as ErrorEnvelope).error.issues;

describe('the admin API for segments', () => {
  it('refuses a bad definition with a 422 naming the field: unknown key, wrong type, invalid rule', async () => {
    const rule = (r: unknown) => call('/segments', editor, { name: 'Bad', rules: [r] });
    const unknown = await rule({ kind: 'field', key: 'town', op: 'equals', value: 'x' });
    expect(unknown.status).toBe(422);
    expect(await issuesOf(unknown)).toEqual([
      { field: 'rules.0.key', message: 'is not a declared field (city, print_subscriber)' },
    ]);
    const wrongType = await rule({
      kind: 'field',
      key: 'print_subscriber',
      op: 'equals',
      value: 'yes',
    });
    expect(await issuesOf(wrongType)).toEqual([
      { field: 'rules.0.value', message: 'must be true or false' },
    ]);
    const invalid = await rule({ kind: 'opened_within', days: 30 });
    expect(invalid.status).toBe(422);
    expect((await issuesOf(invalid))?.[0]?.field).toBe('rules.0.kind');
    const badOp = await rule({ kind: 'field', key: 'city', op: 'greater_than', value: 'a' });
    expect((await issuesOf(badOp))?.[0]?.field).toBe('rules.0.op');
    expect((await call('/segments', viewer, SKOPJE)).status).toBe(403);
    expect((await call('/segments', undefined)).status).toBe(401);
  });

  it('saves, lists, reads, previews, edits over the version read, and deletes a segment', async () => {
    const created = await call('/segments', editor, SKOPJE);
    expect(created.status).toBe(201);
    const { segment } = (await created.json()) as { segment: { id: string; version: number } };
    expect(segment).toMatchObject({ name: SKOPJE.name, match: 'all', version: 1 });

    const listed = (await (await call('/segments', viewer)).json()) as {
      segments: { id: string }[];
    };
    expect(listed.segments.map((s) => s.id)).toContain(segment.id);
    expect((await call(`/segments/${segment.id}`, viewer)).status).toBe(200);

    const expected = readers
      .filter(inSkopje)
      .map((r) => r.email)
      .sort();
    expect(expected.length).toBeGreaterThan(2);
    const preview = await (await call(`/segments/${segment.id}/preview`, viewer)).json();
    expect(preview).toEqual({ count: expected.length, sample: expected.slice(0, 5) });
    // An unsaved definition previews the same.
    expect(await (await call('/segments/preview', editor, SKOPJE)).json()).toEqual(preview);

    const edited = await call(
      `/segments/${segment.id}`,
      editor,
      { name: 'Skopje', version: 1 },
      'PATCH',
    );
    expect(edited.status).toBe(200);
    expect(await edited.json()).toMatchObject({
      segment: { name: 'Skopje', match: 'all', version: 2 },
    });
    const stale = await call(
      `/segments/${segment.id}`,
      editor,
      { name: 'Blind', version: 1 },
      'PATCH',
    );
    expect(stale.status).toBe(409);
    const badEdit = await call(
      `/segments/${segment.id}`,
      editor,
      { rules: [{ kind: 'signup', op: 'within_days', value: 'soon' }] },
      'PATCH',
    );
    expect(await issuesOf(badEdit)).toEqual([
      { field: 'rules.0.value', message: 'must be a whole number of days from 1 to 36500' },
    ]);

    expect((await call(`/segments/${segment.id}`, editor, undefined, 'DELETE')).status).toBe(204);
    expect((await call(`/segments/${segment.id}`, viewer)).status).toBe(404);
    expect((await call(`/segments/${segment.id}`, editor, undefined, 'DELETE')).status).toBe(404);
    expect((await call('/segments/not-an-id', viewer)).status).toBe(404);
  });

  it('is in the OpenAPI document, every route with its schemas', async () => {
    const document = (await (await call('/openapi.json', undefined)).json()) as {
      paths: Record<string, Record<string, unknown>>;
      components: { schemas: Record<string, unknown> };
    };
    expect(Object.keys(document.paths['/segments']!).sort()).toEqual(['get', 'post']);
    expect(Object.keys(document.paths['/segments/{id}']!).sort()).toEqual([
      'delete',
      'get',
      'patch',
    ]);
    expect(Object.keys(document.paths['/segments/{id}/preview']!)).toEqual(['get']);
    expect(Object.keys(document.paths['/segments/preview']!)).toEqual(['post']);
    for (const name of ['Segment', 'SegmentInput', 'SegmentEdit', 'SegmentRule', 'SegmentPreview'])
      expect(document.components.schemas[name], name).toBeDefined();
    expect(JSON.stringify(document.components.schemas.CreateIssue)).toContain('segment');
  });
});

describe('an issue that targets a segment', () => {
  const SUBJECT = 'Segmented: for Skopje';

  it('is received by exactly the readers its preview counted, as the SES emulator received it', async () => {
    const { segment } = (await (await call('/segments', editor, SKOPJE)).json()) as {
      segment: { id: string };
    };
    const preview = (await (await call(`/segments/${segment.id}/preview`, viewer)).json()) as {
      count: number;
    };
    const created = await call('/issues', editor, {
      article: 'nato-western-balkans-stability',
      subject: SUBJECT,
      segment: segment.id,
    });
    expect(created.status).toBe(201);
    const { issue } = (await created.json()) as { issue: { id: string; segment: unknown } };
    expect(issue.segment).toMatchObject({
      id: segment.id,
      rules: SKOPJE.rules.map((r) => expect.objectContaining({ kind: r.kind })),
    });
    // The segment is chosen when the issue is made: an edit that names one is told so.
    const edit = await call(`/issues/${issue.id}`, editor, { segment: segment.id }, 'PATCH');
    expect(edit.status).toBe(422);
    expect((await issuesOf(edit))?.[0]?.field).toBe('segment');
    expect((await call(`/issues/${issue.id}/send`, editor, {})).status).toBe(200);

    const deps = await buildDeliveryDeps(
      parseConfig({ ...process.env, ...stack.env }),
      new MjmlIssueRenderer('templates'),
    );
    await runWorker(deps, { issueId: issue.id });

    const { emails } = (await (await fetch(`${stack.sesEndpoint}/store`)).json()) as {
      emails: StoredEmail[];
    };
    const received = emails
      .filter((e) => e.subject === SUBJECT)
      .flatMap((e) => e.destination.to)
      .map((to) => to.replace(/^.*</, '').replace(/>$/, ''))
      .sort();
    expect(received).toHaveLength(preview.count);
    expect(received).toEqual(
      readers
        .filter(inSkopje)
        .map((r) => r.email)
        .sort(),
    );
    const report = (await (await call(`/issues/${issue.id}`, viewer)).json()) as {
      issue: { state: string; total: number };
      counts: { sent: number };
    };
    expect(report.issue).toMatchObject({ state: 'sent', total: preview.count });
    expect(report.counts.sent).toBe(preview.count);
  });

  it('is refused with a 422 showing the count, 0, when the segment matches nobody: at creation and at send', async () => {
    const nobody = {
      name: 'Ohrid readers of politics',
      rules: [
        { kind: 'field', key: 'city', op: 'equals', value: 'Ohrid' },
        { kind: 'topics', match: 'all', topics: ['politics'] },
        { kind: 'frequency', frequencies: ['daily'] },
      ],
    };
    const { segment } = (await (await call('/segments', editor, nobody)).json()) as {
      segment: { id: string };
    };
    expect(await (await call(`/segments/${segment.id}/preview`, viewer)).json()).toEqual({
      count: 0,
      sample: [],
    });
    const refused = await call('/issues', editor, {
      article: 'nato-western-balkans-stability',
      segment: segment.id,
    });
    expect(refused.status).toBe(422);
    expect(await issuesOf(refused)).toEqual([
      { field: 'segment', message: 'matches no reader of this audience (count: 0)' },
    ]);
    const unknown = await call('/issues', editor, {
      article: 'nato-western-balkans-stability',
      segment: 'seg_00000000000000000000000000000000',
    });
    expect(await issuesOf(unknown)).toEqual([
      { field: 'segment', message: 'is not a saved segment' },
    ]);

    // One reader when made; none by the time of the send (they unsubscribed).
    const [only] = await seedReaders(stack, 1, () =>
      aSubscriber({
        email: 'only.daily@example.com',
        topics: ['politics'],
        frequency: 'daily',
        fields: { city: 'Ohrid' },
      }),
    );
    const created = await call('/issues', editor, {
      article: 'nato-western-balkans-stability',
      segment: segment.id,
    });
    expect(created.status).toBe(201);
    const { issue } = (await created.json()) as { issue: { id: string } };
    await stack.deps.subscribers.save({ ...only!, state: 'unsubscribed', version: 2 });
    const send = await call(`/issues/${issue.id}/send`, editor, {});
    expect(send.status).toBe(422);
    expect((await send.json()) as ErrorEnvelope).toMatchObject({
      error: { message: expect.stringContaining('(count: 0)') },
    });
    expect(await (await call(`/issues/${issue.id}`, viewer)).json()).toMatchObject({
      issue: { state: 'draft' },
    });
  });
});
