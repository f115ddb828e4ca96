/**
 * A new article saved in content/ is not mailed by itself: the tick records it and lists it for
 * approval, the SES emulator receives nothing, and only an editor's confirmed approval in the
 * workspace sends it, once, to each reader who chose "every article". An article whose front
 * matter says `sendWhenPublished: true` goes out by itself, as before.
 */
import { cp, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../functions/core/access/api-keys.js';
import { createAdminApp } from '../../functions/http/admin/admin-app.js';
import { startScheduler, type Scheduler } from '../../local/scheduler.js';
import type { LocalStack } from '../../local/stack.js';
import { adminApi } from '../support/admin-api.js';
import { aSubscriber } from '../support/builders.js';
import { quietLogger } from '../support/logger.js';
import { type StoredEmail, startTestStack } from '../support/stack.js';

let stack: LocalStack;
let scheduler: Scheduler;
let contentDir: string;
let app: ReturnType<typeof createAdminApp>;
let cookie: string;
let csrf: string;
let viewerKey: string;

beforeAll(async () => {
  contentDir = join(await mkdtemp(join(tmpdir(), 'dispatch-content-')), 'content');
  await cp('content', contentDir, { recursive: true });
  stack = await startTestStack({ CONTENT_DIR: contentDir });
  scheduler = startScheduler({ cron: false, budgetMs: 20_000 });
  app = createAdminApp(stack.deps, { logger: quietLogger() });
  const { key } = await createApiKey(stack.deps, {
    name: 'Approving editor',
    email: 'approver@newsroom.example',
    role: 'editor',
  });
  viewerKey = (
    await createApiKey(stack.deps, {
      name: 'Onlooker',
      email: 'onlooker@newsroom.example',
      role: 'viewer',
    })
  ).key;
  const signedIn = await app.request('/admin/sign-in', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ key }).toString(),
  });
  cookie = signedIn.headers.get('set-cookie')!.split(';')[0]!;
  const dashboard = await (await app.request('/admin', { headers: { cookie } })).text();
  csrf = /name="_csrf" value="([^"]+)"/.exec(dashboard)![1]!;
  // The articles already there are the baseline: nobody is mailed them, nothing waits.
  expect(await scheduler.fire('tick')).toMatchObject({ published: [] });
});
afterAll(async () => {
  await scheduler?.stop();
  await stack?.close();
});

const api = adminApi(() => app);
const get = async (path: string) => (await app.request(path, { headers: { cookie } })).text();
const post = (path: string, fields: Record<string, string> = {}) =>
  app.request(path, {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: csrf, ...fields }).toString(),
  });
/** JSX escapes quotes and apostrophes; the assertions read the text as the editor does. */
const readable = (html: string) => html.replace(/&#39;/g, "'").replace(/&quot;/g, '"');

/** A new article file in the stack's content/, seen by the catalog (it looks every 2 s). */
async function saveArticle(slug: string, title: string, topic: string, extra = '') {
  const day = new Date().toISOString().slice(0, 10);
  await writeFile(
    join(contentDir, `${slug}.md`),
    `---\ntitle: "${title}"\ndate: ${day}\nsummary: ${title}, in brief.\ntopics: [${topic}]\ndesk: Test desk\n${extra}---\n\n${title}.\n`,
  );
  await new Promise((r) => setTimeout(r, 2_100));
}

/** Everything the SES emulator received, once the stack's senders have settled. */
async function inbox(): Promise<StoredEmail[]> {
  await stack.sesGateway?.settled();
  await stack.outbox?.settled();
  const { emails } = (await (await fetch(`${stack.sesEndpoint}/store`)).json()) as {
    emails: StoredEmail[];
  };
  return emails;
}
const subjectsTo = (emails: StoredEmail[], address: string) =>
  emails.filter((e) => e.destination.to.some((to) => to.includes(address))).map((e) => e.subject);

describe('a new article in content/', () => {
  it('is mailed to nobody until an editor approves it in the workspace, then once to each "every article" reader', async () => {
    const readers = [
      aSubscriber({ frequency: 'immediate', topics: ['economy'] }),
      aSubscriber({ frequency: 'immediate', topics: ['economy', 'security'] }),
    ];
    const digestReader = aSubscriber({ frequency: 'daily', topics: ['economy'] });
    const otherTopic = aSubscriber({ frequency: 'immediate', topics: ['politics'] });
    for (const r of [...readers, digestReader, otherTopic]) await stack.deps.subscribers.create(r);
    const before = (await inbox()).length;

    await saveArticle('budget-passes', 'The budget passes', 'economy');
    await Promise.all([scheduler.fire('tick'), scheduler.fire('tick')]);
    expect(await inbox()).toHaveLength(before);
    expect(await stack.deps.issues.get('publish-budget-passes')).toBeUndefined();

    // The dashboard says something waits; the articles page says what approving does, to whom.
    expect(readable(await get('/admin'))).toContain(
      '1 new article is waiting for approval: nothing is mailed to readers who chose every article until an editor approves.',
    );
    const from = stack.deps.publication.fromAddress;
    const says = `Approving sends “The budget passes” now to the confirmed readers of Economy who chose every article (about 2), from ${from}.`;
    expect(readable(await get('/admin/articles'))).toContain(says);
    const listed = (await (await api('/articles/waiting', viewerKey)).json()) as {
      articles: unknown[];
    };
    expect(listed.articles).toEqual([
      expect.objectContaining({ slug: 'budget-passes', estimatedRecipients: 2, from }),
    ]);

    // A viewer cannot approve; an editor's first POST only asks, saying the same.
    expect((await api('/articles/budget-passes/approve', viewerKey, {})).status).toBe(403);
    const path = '/admin/articles/budget-passes/approve';
    const asked = await post(path);
    expect(asked.status).toBe(200);
    const question = readable(await asked.text());
    expect(question).toContain(`<form method="post" action="${path}"`);
    expect(question).toContain('<input type="hidden" name="confirmed" value="yes"/>');
    expect(question).toContain(`${says} An email cannot be recalled once sent`);
    expect(await stack.deps.issues.get('publish-budget-passes')).toBeUndefined();

    const approved = await post(path, { confirmed: 'yes' });
    expect(approved.status).toBe(303);
    expect(approved.headers.get('location')).toBe(
      '/admin/issues/publish-budget-passes?notice=sent',
    );
    // A second confirmed approval (a double click, another tab) and the ticks change nothing more.
    expect((await post(path, { confirmed: 'yes' })).status).toBe(303);
    await Promise.all([scheduler.fire('tick'), scheduler.fire('tick')]);
    await scheduler.fire('tick');

    const received = await inbox();
    for (const r of readers) expect(subjectsTo(received, r.email)).toEqual(['The budget passes']);
    expect(subjectsTo(received, digestReader.email)).toEqual([]);
    expect(subjectsTo(received, otherTopic.email)).toEqual([]);
    expect(received).toHaveLength(before + readers.length);

    // Listed no more; the decision is on the page with who made it.
    const page = readable(await get('/admin/articles'));
    expect(page).not.toContain(says);
    expect(page).toMatch(/data-testid="decided-budget-passes">.*Approved.*Approving editor/s);
    expect(readable(await get('/admin'))).not.toContain('waiting for approval');
  }, 90_000);

  it('is never mailed as its own email once an editor chose not to send it', async () => {
    const reader = aSubscriber({ frequency: 'immediate', topics: ['security'] });
    await stack.deps.subscribers.create(reader);
    await saveArticle('drill-postponed', 'The drill is postponed', 'security');
    await scheduler.fire('tick');

    const path = '/admin/articles/drill-postponed/dismiss';
    const asked = readable(await (await post(path)).text());
    expect(asked).toContain('“The drill is postponed” is not mailed to the confirmed readers of');
    expect(asked).toContain('It stays on the site and in the daily and weekly digests');
    expect((await stack.deps.publications.publishedArticle('drill-postponed'))?.approval).toBe(
      'waiting',
    );
    const dismissed = await post(path, { confirmed: 'yes' });
    expect(dismissed.headers.get('location')).toBe('/admin/articles?notice=dismissed');
    expect(await stack.deps.publications.publishedArticle('drill-postponed')).toMatchObject({
      approval: 'dismissed',
      decidedBy: 'Approving editor',
    });
    // Approving it now is refused, on the workspace's error page and by the API.
    expect(
      (await post('/admin/articles/drill-postponed/approve', { confirmed: 'yes' })).status,
    ).toBe(409);
    await scheduler.fire('tick');
    expect(subjectsTo(await inbox(), reader.email)).toEqual([]);
    expect(await get('/admin/articles')).toContain('data-testid="decided-drill-postponed"');
  }, 60_000);

  it('is approved through the admin API once, however often it is asked, by an editor key', async () => {
    const editorKey = (
      await createApiKey(stack.deps, {
        name: 'API editor',
        email: 'api.editor@newsroom.example',
        role: 'editor',
      })
    ).key;
    const reader = aSubscriber({ frequency: 'immediate', topics: ['economy'] });
    await stack.deps.subscribers.create(reader);
    await saveArticle('rates-held', 'Rates are held', 'economy');
    await scheduler.fire('tick');
    const approve = () => api('/articles/rates-held/approve', editorKey, {});
    const [first, second] = await Promise.all([approve(), approve()]);
    const answers = [await first.json(), await second.json()] as {
      error?: unknown;
      decided: boolean;
      issue: { id: string; state: string };
    }[];
    expect(answers.map((a) => a.error)).toEqual([undefined, undefined]);
    expect(answers.map((a) => a.issue.id)).toEqual(['publish-rates-held', 'publish-rates-held']);
    expect(answers.filter((a) => a.decided)).toHaveLength(1);
    expect((await api('/articles/rates-held/dismiss', editorKey, {})).status).toBe(409);
    const listed = (await (await api('/articles/waiting', editorKey)).json()) as {
      articles: { slug: string }[];
      decided: { slug: string; decidedBy: string }[];
    };
    expect(listed.articles.map((a) => a.slug)).not.toContain('rates-held');
    expect(listed.decided).toContainEqual(
      expect.objectContaining({
        slug: 'rates-held',
        approval: 'approved',
        decidedBy: 'API editor',
      }),
    );
    await scheduler.fire('tick');
    expect(subjectsTo(await inbox(), reader.email)).toEqual(['Rates are held']);
  }, 60_000);

  it('goes out by itself when its front matter says sendWhenPublished: true', async () => {
    const reader = aSubscriber({ frequency: 'immediate', topics: ['politics'] });
    await stack.deps.subscribers.create(reader);
    await saveArticle(
      'festival-opens',
      'The festival opens',
      'politics',
      'sendWhenPublished: true\n',
    );
    expect(await scheduler.fire('tick')).toMatchObject({ published: ['publish-festival-opens'] });
    await scheduler.fire('tick');
    expect(subjectsTo(await inbox(), reader.email)).toEqual(['The festival opens']);
    expect(await get('/admin/articles')).not.toContain('data-testid="waiting-festival-opens"');
  }, 60_000);
});
