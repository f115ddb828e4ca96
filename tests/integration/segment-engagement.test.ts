import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MjmlIssueRenderer } from '../../functions/adapters/mjml/mjml-renderer.js';
import { buildDeliveryDeps, parseConfig } from '../../functions/config.js';
import { createApiKey } from '../../functions/core/access/api-keys.js';
import { runWorker } from '../../functions/core/delivery/worker.js';
import { HIDDEN_LINK_PARAMETER } from '../../functions/core/events/engagement.js';
import type { Subscriber } from '../../functions/core/subscribers/subscriber.js';
import { handler } from '../../functions/handlers/ses-events.js';
import { createAdminApp } from '../../functions/http/admin/admin-app.js';
import type { ErrorEnvelope } from '../../functions/http/errors.js';
import { lambdaContext } from '../../local/lambda-context.js';
import type { LocalStack } from '../../local/stack.js';
import { adminApi } from '../support/admin-api.js';
import { aSubscriber } from '../support/builders.js';
import { sesEngagementEvent } from '../support/lambda-events.js';
import { captureLogger } from '../support/logger.js';
import { seedReaders, startTestStack, type StoredEmail } from '../support/stack.js';

/**
 * Segments' engagement rules on the local stack (dynalite, the SES emulator): readers' opens and
 * clicks go through the real SES events handler (`functions/handlers/ses-events.ts`, events in
 * the shapes SES publishes them), which keeps each reader's latest on their record; old ones are
 * events whose timestamp is weeks back (the handler keeps the event's time, not the clock's).
 * A segment "opened within 30 days" previews its count, an issue sent to it reaches exactly those
 * readers as the SES emulator received them, and a scanner's clicks make nobody "clicked".
 */
let stack: LocalStack;
let app: ReturnType<typeof createAdminApp>;
let editor: string;
let readers: Subscriber[];
/** Reader 0's opens, each of another issue, within one day. */
const opensOfZero: Date[] = [];
const call = adminApi(() => app);

const DAY = 86_400_000;
const ago = (days: number, ms = 0) => new Date(Date.now() - days * DAY + ms);
const topics = ['security', 'politics', 'economy'];
const issueTag = 'article-segment-engagement';
const event = (
  kind: 'Open' | 'Click',
  reader: Subscriber,
  options: { at: Date; sentAt: Date; link?: string; userAgent?: string; issue?: string },
) =>
  handler(
    sesEngagementEvent(kind, {
      messageId: `0100019-${reader.id}-${kind}-${options.at.getTime()}`,
      recipient: reader.email,
      configurationSet: 'dispatch-production',
      from: 'news@example.org',
      tags: { kind: ['issue'], issue: [options.issue ?? issueTag] },
      ...options,
    }) as never,
    lambdaContext('sesEvents', 30_000),
  );

beforeAll(async () => {
  stack = await startTestStack({ LOCAL_SES_MAX_SEND_RATE: '100000', SEND_RATE: '5000' });
  app = createAdminApp(stack.deps, { logger: captureLogger() });
  editor = (await createApiKey(stack.deps, { name: 'Ed', email: 'ed@example.org', role: 'editor' }))
    .key;
  readers = await seedReaders(stack, 10, (i) =>
    aSubscriber({ email: `engaged.${i}@example.com`, topics, frequency: 'immediate' }),
  );
  const article = 'https://news.example.org/articles/nato';
  // 0-2 open this week (0 five issues within the day), 3 opened 12 days ago.
  for (let n = 0; n < 5; n++) {
    opensOfZero.push(ago(1, n * 600_000));
    await event('Open', readers[0]!, { at: opensOfZero[n]!, sentAt: ago(2), issue: `i-${n}` });
  }
  for (const r of readers.slice(1, 3)) await event('Open', r, { at: ago(1), sentAt: ago(2) });
  await event('Open', readers[3]!, { at: ago(12), sentAt: ago(13) });
  // 4-5 last opened 40 and 90 days ago: outside the window.
  await event('Open', readers[4]!, { at: ago(40), sentAt: ago(41) });
  await event('Open', readers[5]!, { at: ago(90), sentAt: ago(91) });
  // 6: a crawler's open, and a link scanner's clicks (seconds after the send; the hidden link).
  await event('Open', readers[6]!, {
    at: ago(1),
    sentAt: ago(2),
    userAgent: 'Mozilla/5.0 (compatible; Barracuda Sentinel (EE))',
  });
  await event('Click', readers[6]!, { at: ago(1), sentAt: ago(1, -3_000), link: article });
  await event('Click', readers[6]!, {
    at: ago(1, 600_000),
    sentAt: ago(2),
    link: `https://news.example.org/?${HIDDEN_LINK_PARAMETER}=1`,
  });
  // 7: a reader's own click, an hour after the send (no open: images off).
  await event('Click', readers[7]!, { at: ago(3), sentAt: ago(3, -3_600_000), link: article });
  // 8 and 9: nothing at all.
}, 120_000);
afterAll(async () => stack?.close());

const emails = (rs: Subscriber[]) => rs.map((r) => r.email).sort();

describe('segments by engagement, from SES events', () => {
  it('keeps a reader’s latest open and click on their record, a bot’s or a scanner’s never', async () => {
    const stored = await Promise.all(readers.map((r) => stack.deps.subscribers.get(r.id)));
    expect(stored.map((s) => Boolean(s?.lastOpenedAt))).toEqual([
      ...[true, true, true, true, true, true],
      ...[false, false, false, false],
    ]);
    expect(stored.map((s) => Boolean(s?.lastClickedAt))).toEqual([
      ...[false, false, false, false, false, false, false],
      ...[true, false, false],
    ]);
    // Five issues opened within a day: the first open kept (the next four were within a day of it).
    expect(stored[0]?.lastOpenedAt).toBe(opensOfZero[0]!.toISOString());
    // Never by a change of version: the record's other writers are not made to retry.
    expect(stored.every((s, i) => s?.version === readers[i]!.version)).toBe(true);
  });

  it('previews "opened within 30 days" and "clicked within 30 days" with their counts; a bad days is a 422 naming rules.0.days', async () => {
    const opened = {
      name: 'Opened lately',
      rules: [{ kind: 'engagement', op: 'opened_within', days: 30 }],
    };
    expect(await (await call('/segments/preview', editor, opened)).json()).toEqual({
      count: 4,
      sample: emails(readers.slice(0, 4)),
    });
    const clicked = {
      name: 'Clicked lately',
      rules: [{ kind: 'engagement', op: 'clicked_within', days: 30 }],
    };
    expect(await (await call('/segments/preview', editor, clicked)).json()).toEqual({
      count: 1,
      sample: [readers[7]!.email],
    });
    const bad = await call('/segments', editor, {
      name: 'Bad',
      rules: [{ kind: 'engagement', op: 'opened_within', days: 3651 }],
    });
    expect(bad.status).toBe(422);
    expect(((await bad.json()) as ErrorEnvelope).error.issues).toEqual([
      { field: 'rules.0.days', message: 'must be a whole number of days from 1 to 3650' },
    ]);
  });

  it('sends an issue to "opened within 30 days": the SES emulator receives exactly those readers', async () => {
    const SUBJECT = 'For readers who opened lately';
    const created = await call('/segments', editor, {
      name: 'Opened within 30 days',
      rules: [{ kind: 'engagement', op: 'opened_within', days: 30 }],
    });
    expect(created.status).toBe(201);
    const { segment } = (await created.json()) as { segment: { id: string } };
    const preview = (await (await call(`/segments/${segment.id}/preview`, editor)).json()) as {
      count: number;
    };
    const issue = await call('/issues', editor, {
      article: 'nato-western-balkans-stability',
      subject: SUBJECT,
      segment: segment.id,
    });
    expect(issue.status).toBe(201);
    const { issue: made } = (await issue.json()) as { issue: { id: string } };
    expect((await call(`/issues/${made.id}/send`, editor, {})).status).toBe(200);
    const deps = await buildDeliveryDeps(
      parseConfig({ ...process.env, ...stack.env }),
      new MjmlIssueRenderer('templates'),
    );
    await runWorker(deps, { issueId: made.id });

    const { emails: stored } = (await (await fetch(`${stack.sesEndpoint}/store`)).json()) as {
      emails: StoredEmail[];
    };
    const received = stored
      .filter((e) => e.subject === SUBJECT)
      .flatMap((e) => e.destination.to)
      .map((to) => to.replace(/^.*</, '').replace(/>$/, ''))
      .sort();
    expect(received).toHaveLength(preview.count);
    expect(received).toEqual(emails(readers.slice(0, 4)));
    // Each reader sent it now has a first send kept (for "never opened"), their version as it was.
    const after = await Promise.all(readers.map((r) => stack.deps.subscribers.get(r.id)));
    expect(after.map((s) => Boolean(s?.firstSentAt))).toEqual(readers.map((_, i) => i < 4));
    expect(after.every((s, i) => s?.version === readers[i]!.version)).toBe(true);
  });

  it('gives the kept engagement in the reader’s data export, and erasure takes it with the record', async () => {
    const reader = readers[7]!;
    const exported = (await (await call(`/subscribers/${reader.id}`, editor)).json()) as Record<
      string,
      unknown
    >;
    expect(exported).toMatchObject({ lastClickedAt: expect.any(String) });
    expect((await call(`/subscribers/${reader.id}`, editor, undefined, 'DELETE')).status).toBe(204);
    expect(await stack.deps.subscribers.get(reader.id)).toBeUndefined();
    // A click whose event comes after the erasure makes no record again.
    await event('Click', reader, {
      at: ago(0, -60_000),
      sentAt: ago(1),
      link: 'https://news.example.org/',
      issue: 'i-late',
    });
    expect(await stack.deps.subscribers.get(reader.id)).toBeUndefined();
  });
});

describe('a daily digest narrowed to a segment', () => {
  it("goes to the segment's daily readers only, as the SES emulator received it", async () => {
    const daily = await seedReaders(stack, 4, (i) =>
      aSubscriber({ email: `daily.${i}@example.com`, topics, frequency: 'daily' }),
    );
    for (const r of daily.slice(0, 2))
      await event('Open', r, { at: ago(2), sentAt: ago(3), issue: 'i-daily' });
    const { segment } = (await (
      await call('/segments', editor, {
        name: 'Daily openers',
        rules: [{ kind: 'engagement', op: 'opened_within', days: 30 }],
      })
    ).json()) as { segment: { id: string } };
    const unknown = await call(
      '/digests/daily/segment',
      editor,
      { segment: 'seg_00000000000000000000000000000000' },
      'PUT',
    );
    expect(unknown.status).toBe(422);
    expect(((await unknown.json()) as ErrorEnvelope).error.issues?.[0]?.field).toBe('segment');
    const set = await call('/digests/daily/segment', editor, { segment: segment.id }, 'PUT');
    expect(set.status).toBe(200);
    expect(await (await call('/digests/segments', editor)).json()).toEqual({
      daily: { id: segment.id, name: 'Daily openers' },
      weekly: null,
    });
    expect((await call(`/segments/${segment.id}`, editor, undefined, 'DELETE')).status).toBe(409);

    const deps = await buildDeliveryDeps(
      parseConfig({ ...process.env, ...stack.env }),
      new MjmlIssueRenderer('templates'),
    );
    // An article published a minute ago: this period's digest has something to carry.
    await deps.publications.markPublished('nato-western-balkans-stability', ago(0, -60_000));
    const started = (await (await call('/digests', editor, { frequency: 'daily' })).json()) as {
      status: string;
      issue: { id: string; subject: string; segment?: { id: string } };
    };
    expect(started).toMatchObject({ status: 'started', issue: { segment: { id: segment.id } } });
    await runWorker(deps, { issueId: started.issue.id });
    const { emails: stored } = (await (await fetch(`${stack.sesEndpoint}/store`)).json()) as {
      emails: StoredEmail[];
    };
    const received = stored
      .filter((e) => e.subject === started.issue.subject)
      .flatMap((e) => e.destination.to)
      .map((to) => to.replace(/^.*</, '').replace(/>$/, ''))
      .sort();
    expect(received).toEqual(emails(daily.slice(0, 2)));
  });

  it('started by hand, is refused with its count, 0, when the segment reaches none of its readers, and the period stays free', async () => {
    // A weekly reader in Kumanovo who follows only economy; the digest's article is security and politics.
    const [economist] = await seedReaders(stack, 1, () =>
      aSubscriber({
        email: 'weekly.economy@example.com',
        topics: ['economy'],
        frequency: 'weekly',
        fields: { city: 'Kumanovo' },
      }),
    );
    const { segment } = (await (
      await call('/segments', editor, {
        name: 'Kumanovo',
        rules: [{ kind: 'field', key: 'city', op: 'equals', value: 'Kumanovo' }],
      })
    ).json()) as { segment: { id: string } };
    // The segment reaches a weekly reader, so it may be set…
    expect(
      (await call('/digests/weekly/segment', editor, { segment: segment.id }, 'PUT')).status,
    ).toBe(200);
    const deps = await buildDeliveryDeps(
      parseConfig({ ...process.env, ...stack.env }),
      new MjmlIssueRenderer('templates'),
    );
    await deps.publications.markPublished('nato-western-balkans-stability', ago(0, -60_000));
    // …but none of this digest's readers (its article's topics): nothing is started.
    const refused = await call('/digests', editor, { frequency: 'weekly' });
    expect(refused.status).toBe(422);
    expect(((await refused.json()) as ErrorEnvelope).error).toMatchObject({
      message: expect.stringContaining('(count: 0)'),
      issues: [{ field: 'segment', message: 'matches no reader of this audience (count: 0)' }],
    });
    const weekly = (await deps.issues.listByState('sending'))
      .concat(await deps.issues.listByState('sent'))
      .filter((i) => i.id.startsWith('digest-weekly-'));
    expect(weekly).toEqual([]);

    // The period was not used up: once a reader of its topics is in the segment, it starts and goes to them.
    const [reader] = await seedReaders(stack, 1, () =>
      aSubscriber({
        email: 'weekly.security@example.com',
        topics: ['security'],
        frequency: 'weekly',
        fields: { city: 'kumanovo ' },
      }),
    );
    const started = (await (await call('/digests', editor, { frequency: 'weekly' })).json()) as {
      status: string;
      issue: { id: string; subject: string };
    };
    expect(started.status).toBe('started');
    await runWorker(deps, { issueId: started.issue.id });
    const { emails: stored } = (await (await fetch(`${stack.sesEndpoint}/store`)).json()) as {
      emails: StoredEmail[];
    };
    const received = stored
      .filter((e) => e.subject === started.issue.subject)
      .flatMap((e) => e.destination.to)
      .map((to) => to.replace(/^.*</, '').replace(/>$/, ''));
    expect(received).toEqual([reader!.email]);
    expect(received).not.toContain(economist!.email);
    expect((await call('/digests/weekly/segment', editor, { segment: null }, 'PUT')).status).toBe(
      200,
    );
  });
});
