/**
 * Editing a draft before it starts, on the real stack: what the readers receive is the edited
 * issue, every change is kept in its history, and an edit that comes after the send started is
 * refused (409) and changes nothing, in the API and on the workspace's form.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MjmlIssueRenderer } from '../../functions/adapters/mjml/mjml-renderer.js';
import { buildDeliveryDeps, parseConfig } from '../../functions/config.js';
import { createApiKey } from '../../functions/core/access/api-keys.js';
import { runWorker } from '../../functions/core/delivery/worker.js';
import { createAdminApp } from '../../functions/http/admin/admin-app.js';
import type { LocalStack } from '../../local/stack.js';
import { adminApi } from '../support/admin-api.js';
import { aSubscriber } from '../support/builders.js';
import { quietLogger } from '../support/logger.js';
import { emailsTo, startTestStack } from '../support/stack.js';

const SLUG = 'nato-western-balkans-stability';
const TITLE = 'NATO Reaffirms Its Commitment to Stability in the Western Balkans';
let stack: LocalStack;
let app: ReturnType<typeof createAdminApp>;
let editor: string;
let cookie: string;
let csrf: string;
const call = adminApi(() => app);

beforeAll(async () => {
  stack = await startTestStack();
  app = createAdminApp(stack.deps, { logger: quietLogger() });
  editor = (
    await createApiKey(stack.deps, { name: 'Edna', email: 'edna@example.org', role: 'editor' })
  ).key;
  const signedIn = await app.request('/admin/sign-in', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ key: editor }).toString(),
  });
  cookie = signedIn.headers.get('set-cookie')!.split(';')[0]!;
  const dashboard = await (await app.request('/admin', { headers: { cookie } })).text();
  csrf = /name="_csrf" value="([^"]+)"/.exec(dashboard)![1]!;
});
afterAll(async () => stack?.close());

/** The workspace's edit form, posted as the browser posts it (repeated boxes, the version read). */
const postEdit = (id: string, fields: [string, string][]) =>
  app.request(`/admin/issues/${id}/edit`, {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams([['_csrf', csrf], ['audience-offered', '1'], ...fields]).toString(),
  });
const issuePage = async (id: string) =>
  (await app.request(`/admin/issues/${id}`, { headers: { cookie } })).text();
const versionOn = (html: string) => /name="version" value="(\d+)"/.exec(html)![1]!;

async function draft(id: string) {
  const created = await call('/issues', editor, { article: SLUG, id });
  expect(created.status).toBe(201);
  return ((await created.json()) as { issue: { id: string; version: number } }).issue;
}

async function work(id: string) {
  const delivery = await buildDeliveryDeps(
    parseConfig(process.env),
    new MjmlIssueRenderer('templates'),
  );
  await runWorker(delivery, { issueId: id });
}
async function sendAndWork(id: string) {
  expect((await call(`/issues/${id}/send`, editor, {})).status).toBe(200);
  await work(id);
}

describe('a draft edited before it starts', () => {
  it('goes out with the edited subject to the edited audience only, and its history says who changed what', async () => {
    const security = aSubscriber({ topics: ['security'], frequency: 'immediate' });
    const politicsDaily = aSubscriber({ topics: ['politics'], frequency: 'daily' });
    const politicsWeekly = aSubscriber({ topics: ['politics'], frequency: 'weekly' });
    for (const s of [security, politicsDaily, politicsWeekly])
      await stack.deps.subscribers.create(s);
    const issue = await draft('edited-in-the-api');

    // The API: a PATCH on the version read.
    const patched = await call(
      `/issues/${issue.id}`,
      editor,
      { subject: 'Edited in the API', topics: ['politics'], version: issue.version },
      'PATCH',
    );
    expect(patched.status).toBe(200);
    expect(await patched.json()).toMatchObject({
      changed: true,
      issue: {
        subject: 'Edited in the API',
        audience: { topics: ['politics'] },
        version: issue.version + 1,
        history: [
          {
            by: 'Edna',
            changes: [
              { field: 'subject', from: TITLE, to: 'Edited in the API' },
              { field: 'topics', from: ['security', 'politics'], to: ['politics'] },
            ],
          },
        ],
      },
    });

    // The workspace: the edit form on the issue's page, filled with the issue as it is now.
    const before = await issuePage(issue.id);
    expect(before).toContain('value="Edited in the API"');
    const saved = await postEdit(issue.id, [
      ['version', versionOn(before)],
      ['article', SLUG],
      ['subject', 'Edited on the page'],
      ['editorNote', 'For daily readers.'],
      ['topics', 'politics'],
      ['frequencies', 'daily'],
    ]);
    expect(saved.status).toBe(303);
    expect(saved.headers.get('location')).toBe(`/admin/issues/${issue.id}?notice=edited`);
    const after = await issuePage(`${issue.id}?notice=edited`);
    expect(after).toContain('Changes saved');
    const history = /data-testid="history">([\s\S]*?)<\/table>/.exec(after)![1]!;
    expect(history).toContain(`Subject: “${TITLE}” → “Edited in the API”`);
    expect(history).toContain(
      'Topics: Security and defence, Politics and diplomacy → Politics and diplomacy',
    );
    expect(history).toContain('Subject: “Edited in the API” → “Edited on the page”');
    expect(history).toContain('Editor&#39;s note: (none) → “For daily readers.”');
    expect(history).toContain(
      'Readers who chose: every article, daily digests, weekly digests → daily digests',
    );
    expect(history.match(/<td>Edna<\/td>/g)).toHaveLength(2);

    await sendAndWork(issue.id);
    expect((await emailsTo(stack.sesEndpoint, politicsDaily.email)).map((m) => m.subject)).toEqual([
      'Edited on the page',
    ]);
    expect(await emailsTo(stack.sesEndpoint, security.email)).toEqual([]);
    expect(await emailsTo(stack.sesEndpoint, politicsWeekly.email)).toEqual([]);
  });

  it('refuses an edit after the send started with a 409 saying so, changing nothing, in the API and on the page', async () => {
    const reader = aSubscriber({ topics: ['security'], frequency: 'immediate' });
    await stack.deps.subscribers.create(reader);
    const issue = await draft('edited-too-late');
    const page = await issuePage(issue.id);
    await sendAndWork(issue.id);
    const sent = await stack.deps.issues.get(issue.id);

    const late = await call(`/issues/${issue.id}`, editor, { subject: 'Too late' }, 'PATCH');
    expect(late.status).toBe(409);
    expect(await late.json()).toMatchObject({
      error: {
        code: 'conflict',
        message: expect.stringMatching(
          /^Issue edited-too-late is sent \(it started sending at [^)]+\): only a draft or a scheduled issue can be edited\. Nothing was changed\.$/,
        ),
      },
    });
    // The form of a page opened before the send: refused, on the page, with what was typed kept.
    const refused = await postEdit(issue.id, [
      ['version', versionOn(page)],
      ['subject', 'Typed before it left'],
      ['topics', 'security'],
      ['frequencies', 'immediate'],
    ]);
    expect(refused.status).toBe(409);
    const html = await refused.text();
    expect(html).toContain('Nothing was changed. Please correct:');
    expect(html).toMatch(/<li>Issue edited-too-late is sent \(it started sending at /);
    expect(html).toContain('value="Typed before it left"');
    expect(await stack.deps.issues.get(issue.id)).toEqual(sent);
    expect((await emailsTo(stack.sesEndpoint, reader.email)).map((m) => m.subject)).toEqual([
      TITLE,
    ]);
  });

  it('an edit racing the send either lands before it (and goes out) or is refused, never applied to a sending issue', async () => {
    for (let round = 0; round < 3; round++) {
      const reader = aSubscriber({ topics: ['security'], frequency: 'immediate' });
      await stack.deps.subscribers.create(reader);
      const issue = await draft(`edit-race-${round}`);
      const [edit, send] = await Promise.all([
        call(`/issues/${issue.id}`, editor, { subject: `Raced ${round}` }, 'PATCH'),
        call(`/issues/${issue.id}/send`, editor, {}),
      ]);
      expect(send.status).toBe(200);
      expect([200, 409]).toContain(edit.status);
      const stored = (await stack.deps.issues.get(issue.id))!;
      // Whichever wrote second read what the first wrote: both moves are conditional writes. The
      // send started on the edited issue exactly when the edit was taken.
      const expected = edit.status === 200 ? `Raced ${round}` : TITLE;
      expect(((await send.json()) as { issue: { subject: string } }).issue.subject).toBe(expected);
      expect(stored.subject).toBe(expected);
      expect(stored.history?.length ?? 0).toBe(edit.status === 200 ? 1 : 0);
      await work(issue.id);
      expect((await emailsTo(stack.sesEndpoint, reader.email)).map((m) => m.subject)).toEqual([
        stored.subject,
      ]);
    }
  });

  it('refuses on the form, by field, with what was typed kept: none ticked, or an edit on a page out of date', async () => {
    const issue = await draft('edited-badly');
    const page = await issuePage(issue.id);
    const noneTicked = await postEdit(issue.id, [
      ['version', versionOn(page)],
      ['article', SLUG],
      ['subject', 'Kept <as> typed'],
      ['editorNote', 'A note kept'],
      ['topics', 'economy'],
    ]);
    expect(noneTicked.status).toBe(422);
    const html = await noneTicked.text();
    expect(html.match(/role="alert"/g)).toHaveLength(1);
    expect(html).toMatch(/<details class="card" id="edit" open="">/);
    expect(html).toMatch(/<li>Readers who chose: [^<]+<\/li>/);
    expect(html).toContain('value="Kept &lt;as&gt; typed"');
    expect(html).toContain('>A note kept</textarea>');
    expect(html).toMatch(/name="topics" value="economy" checked/);
    expect(html.match(/name="frequencies" value="\w+" checked/g)).toBeNull();

    // Someone else saves first: the page's version is out of date, so it is refused, saying who.
    expect(
      (await call(`/issues/${issue.id}`, editor, { subject: 'Saved first' }, 'PATCH')).status,
    ).toBe(200);
    const stale = await postEdit(issue.id, [
      ['version', versionOn(page)],
      ['subject', 'Saved second'],
      ['topics', 'security'],
      ['frequencies', 'weekly'],
    ]);
    expect(stale.status).toBe(409);
    expect(await stale.text()).toMatch(
      /changed since you read it \(version 1, now 2: Edna changed subject at /,
    );
    expect((await stack.deps.issues.get(issue.id))?.subject).toBe('Saved first');
    const bad = await call(`/issues/${issue.id}`, editor, { frequencies: [] }, 'PATCH');
    expect(bad.status).toBe(422);
    expect(await bad.json()).toMatchObject({ error: { issues: [{ field: 'frequencies' }] } });
  });
});
