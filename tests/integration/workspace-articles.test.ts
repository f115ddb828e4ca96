/**
 * Articles written through the admin API on the local stack (dynalite, the SES emulator): a draft
 * is nowhere; published, it is in the archive, its page, the RSS and Atom feeds and (its front
 * matter says sendWhenPublished) an issue's email, without a restart. A correction changes the
 * page, not the mail already received; a revision is restored; a content/ file's slug is refused,
 * and a file added later with a workspace article's slug wins and is named by the check.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { cp, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMAIL_COLUMN_PX } from '../../functions/adapters/mjml/email-images.js';
import { createApiKey } from '../../functions/core/access/api-keys.js';
import { slugCollisions } from '../../functions/core/articles/collisions.js';
import { createAdminApp } from '../../functions/http/admin/admin-app.js';
import type { ErrorEnvelope } from '../../functions/http/errors.js';
import { startScheduler, type Scheduler } from '../../local/scheduler.js';
import type { LocalStack } from '../../local/stack.js';
import { adminApi } from '../support/admin-api.js';
import { aSubscriber } from '../support/builders.js';
import { quietLogger } from '../support/logger.js';
import { emailsTo, startTestStack, waitFor } from '../support/stack.js';

const execFileAsync = promisify(execFile);
let stack: LocalStack;
let scheduler: Scheduler;
let contentDir: string;
let app: ReturnType<typeof createAdminApp>;
let editor: string;
let viewer: string;
const api = adminApi(() => app);
const put = (path: string, key: string, body: unknown) =>
  app.request(`/api/admin${path}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

beforeAll(async () => {
  contentDir = join(await mkdtemp(join(tmpdir(), 'dispatch-content-')), 'content');
  await cp('content', contentDir, { recursive: true });
  await cp('tests/fixtures/content/images', join(contentDir, 'images'), { recursive: true });
  stack = await startTestStack({ CONTENT_DIR: contentDir });
  scheduler = startScheduler({ cron: false, budgetMs: 20_000 });
  app = createAdminApp(stack.deps, { logger: quietLogger() });
  const key = (name: string, role: 'editor' | 'viewer') =>
    createApiKey(stack.deps, { name, email: `${name}@newsroom.example`, role });
  editor = (await key('ed', 'editor')).key;
  viewer = (await key('vi', 'viewer')).key;
  await scheduler.fire('tick'); // content/'s articles are the baseline: mailed to nobody
});
afterAll(async () => {
  await scheduler?.stop();
  await stack?.close();
});

const today = () => new Date().toISOString().slice(0, 10);
const source = (title: string, body: string) =>
  `---\ntitle: "${title}"\ndate: ${today()}\nsummary: ${title}, in brief.\ntopics: [politics]\ndesk: Politics desk\nsendWhenPublished: true\n---\n\n${body}\n`;
/** The public site as a reader's browser gets it: the stack's own server, its own catalog. */
const site = async (path: string) => (await fetch(`${stack.appUrl}${path}`)).text();
const appears = (path: string, text: string, timeoutMs?: number) =>
  waitFor(
    async () => ((await site(path)).includes(text) ? true : undefined),
    `${text} on ${path}`,
    timeoutMs,
  );
/** The tick fired until the issue is sent; then the one email the reader got from it. */
async function mailOnceSent(issueId: string, address: string) {
  await waitFor(
    async () => {
      await scheduler.fire('tick');
      return (await stack.deps.issues.get(issueId))?.state === 'sent' ? true : undefined;
    },
    'the issue to finish',
    30_000,
  );
  const [mail] = await waitFor(async () => {
    const got = await emailsTo(stack.sesEndpoint, address);
    return got.length > 0 ? got : undefined;
  }, 'the issue’s email');
  return mail;
}
const fieldsOf = async (response: Response) =>
  ((await response.json()) as ErrorEnvelope).error.issues?.map((i) => i.field);

describe('workspace articles through the admin API', () => {
  it('publish to the archive, feeds and an issue without a restart; a correction leaves mail alone; a revision is restored', async () => {
    const reader = aSubscriber({ frequency: 'immediate', topics: ['politics'] });
    await stack.deps.subscribers.create(reader);
    const created = await api('/articles', editor, {
      slug: 'assembly-votes',
      source: source('The assembly votes', 'The vote was close.'),
    });
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ article: { state: 'draft', version: 1 } });
    // A viewer reads, never writes.
    expect((await api('/articles/assembly-votes/publish', viewer, {})).status).toBe(403);
    expect((await api('/articles/assembly-votes/revisions', viewer)).status).toBe(200);
    // A draft is nowhere a reader looks.
    expect(await site('/articles')).not.toContain('The assembly votes');
    // …but an editor previews it as its email.
    const preview = await api('/articles/assembly-votes/preview', viewer);
    expect(preview.status).toBe(200);
    expect(await preview.json()).toMatchObject({
      subject: 'The assembly votes',
      html: expect.stringContaining('The vote was close.'),
    });

    expect((await api('/articles/assembly-votes/publish', editor, {})).status).toBe(200);
    await appears('/articles', 'The assembly votes');
    await appears('/articles/assembly-votes', 'The vote was close.');
    await appears('/feed.xml', '/articles/assembly-votes');
    await appears('/atom.xml', '/articles/assembly-votes');

    // sendWhenPublished: the tick mails it as its own issue, as it does a content/ file.
    const mail = await mailOnceSent('publish-assembly-votes', reader.email);
    expect(mail!.body.html).toContain('The vote was close.');

    const corrected = await put('/articles/assembly-votes', editor, {
      source: source('The assembly votes', 'The vote was closer than reported.'),
      version: 2,
    });
    expect(corrected.status).toBe(200);
    await appears('/articles/assembly-votes', 'The vote was closer than reported.');
    await scheduler.fire('tick');
    const after = await emailsTo(stack.sesEndpoint, reader.email);
    expect(after).toHaveLength(1);
    expect(after[0]!.body.html).toContain('The vote was close.');
    expect(after[0]!.body.html).not.toContain('closer than reported');

    // A stale version is refused, and nothing changes.
    expect(
      (await put('/articles/assembly-votes', editor, { source: source('X', 'Y'), version: 1 }))
        .status,
    ).toBe(409);
    const { revisions } = (await (
      await api('/articles/assembly-votes/revisions', viewer)
    ).json()) as {
      revisions: { number: number; by: string; change: string }[];
    };
    expect(revisions.map((r) => [r.number, r.by, r.change])).toEqual([
      [3, 'ed@newsroom.example', 'body +1 −1 lines'],
      [2, 'ed@newsroom.example', 'published'],
      [1, 'ed@newsroom.example', 'created'],
    ]);
    const restored = await api('/articles/assembly-votes/revisions/1/restore', editor, {});
    expect(restored.status).toBe(200);
    expect(await restored.json()).toMatchObject({ article: { version: 4, state: 'published' } });
    await appears('/articles/assembly-votes', 'The vote was close.');

    // Every change is in the editors' audit log: the creation (a POST with no slug in its path,
    // as every create is), then each change under the article's slug.
    const audit = (await stack.deps.auditLog.recent(50, new Date())).reverse();
    const ours = audit.filter(
      (e) =>
        e.target === 'assembly-votes' || (e.action === 'POST /api/admin/articles' && !e.target),
    );
    expect(ours.map((e) => [e.action, e.actor])).toEqual([
      ['POST /api/admin/articles', 'ed'],
      ['POST /api/admin/articles/:slug/publish', 'ed'],
      ['PUT /api/admin/articles/:slug', 'ed'],
      ['POST /api/admin/articles/:slug/revisions/:n/restore', 'ed'],
    ]);
  }, 120_000);

  it('shows an uploaded image and a content/ image on the page and in the email, within the column', async () => {
    const reader = aSubscriber({ frequency: 'immediate', topics: ['politics'] });
    await stack.deps.subscribers.create(reader);
    const photo = await sharp({
      create: { width: 2000, height: 1000, channels: 3, background: '#2d6a4f' },
    })
      .png()
      .toBuffer();
    const form = new FormData();
    form.set('file', new Blob([new Uint8Array(photo)]), 'square.png');
    form.set('alt', 'The square at noon');
    const uploaded = await app.request('/api/admin/images', {
      method: 'POST',
      headers: { authorization: `Bearer ${editor}` },
      body: form,
    });
    expect(uploaded.status).toBe(201);
    // What the upload page tells the editor to paste, pasted as is.
    const { image } = (await uploaded.json()) as { image: { markdown: string; url: string } };
    const body = `The square:\n\n${image.markdown}\n\nThe road:\n\n![Map of the road](images/map.png)`;
    // A content/ image that is not there is refused, naming it, and nothing is written.
    const lost = await api('/articles', editor, {
      slug: 'square-lost',
      source: source('Lost', body.replace('map.png', 'lost.png')),
    });
    expect(lost.status).toBe(422);
    expect(JSON.stringify(await lost.json())).toContain('the image images/lost.png');
    const created = await api('/articles', editor, {
      slug: 'the-square',
      source: source('The square', body),
    });
    expect(created.status).toBe(201);
    expect((await api('/articles/the-square/publish', editor, {})).status).toBe(200);

    await appears('/articles/the-square', 'The square:');
    const page = await site('/articles/the-square');
    const path = new URL(image.url).pathname;
    expect(page).toContain(
      `<img src="${path}" width="1200" height="600" alt="The square at noon">`,
    );
    expect(page).toContain(
      '<img src="/images/content/map.png" width="900" height="450" alt="Map of the road">',
    );
    for (const src of [path, '/images/content/map.png'])
      expect((await fetch(`${stack.appUrl}${src}`)).headers.get('content-type')).toMatch(
        /^image\//,
      );

    const mail = await mailOnceSent('publish-the-square', reader.email);
    const images = [...(mail!.body.html ?? '').matchAll(/<img\b[^>]*\/images\/[^>]*>/g)].map(
      (m) => m[0],
    );
    expect(images.map((tag) => /src="([^"]+)"/.exec(tag)?.[1])).toEqual([
      image.url,
      `${stack.appUrl}/images/content/map.png`,
    ]);
    for (const tag of images) {
      expect(Number(/width="(\d+)"/.exec(tag)?.[1])).toBeLessThanOrEqual(EMAIL_COLUMN_PX);
      expect(tag).toContain('max-width:100%');
    }
  }, 120_000);

  it('refuses bad input field by field and a content/ file’s slug, writing nothing', async () => {
    const taken = await api('/articles', editor, {
      slug: 'nato-western-balkans-stability',
      source: source('Mine now', 'Body.'),
    });
    expect(taken.status).toBe(422);
    expect(await fieldsOf(taken)).toEqual(['slug']);
    const bad = await api('/articles', editor, {
      slug: 'bad-one',
      source:
        '---\ntitle: ""\ndate: 2026-12-01\nsummary: S\ntopics: [gardening]\ndesk: D\n---\n\nBody\n',
    });
    expect(bad.status).toBe(422);
    expect(await fieldsOf(bad)).toEqual(['title', 'topics']);
    expect(await fieldsOf(await api('/articles', editor, { slug: 'no-source' }))).toEqual([
      'source',
    ]);
    expect((await api('/articles/bad-one/source', viewer)).status).toBe(404);
  });

  it('shows a scheduled article once its time has come, with no one at the keyboard', async () => {
    await api('/articles', editor, {
      slug: 'at-noon',
      source: source('At noon', 'Scheduled body.'),
    });
    const past = await api('/articles/at-noon/schedule', editor, {
      publishAt: '2020-01-01T00:00:00Z',
    });
    expect(await fieldsOf(past)).toEqual(['publishAt']);
    // Far enough ahead that a slow machine's request still schedules it in the future.
    const publishAt = new Date(Date.now() + 6_000).toISOString();
    const scheduled = await api('/articles/at-noon/schedule', editor, { publishAt, version: 1 });
    expect(await scheduled.json()).toMatchObject({ article: { state: 'scheduled', publishAt } });
    expect(await site('/articles')).not.toContain('At noon');
    await appears('/articles', 'At noon', 30_000);
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(publishAt));
    await appears('/feed.xml', '/articles/at-noon');
  }, 60_000);

  it('serves a content/ file added later with a workspace article’s slug, and the check names it', async () => {
    await api('/articles', editor, {
      slug: 'later-file',
      source: source('From the workspace', 'Workspace body.'),
    });
    await api('/articles/later-file/publish', editor, {});
    await appears('/articles/later-file', 'Workspace body.');
    await writeFile(join(contentDir, 'later-file.md'), source('From the file', 'File body.'));
    await appears('/articles/later-file', 'File body.');
    const report = await slugCollisions(stack.deps);
    expect(report).toEqual([expect.objectContaining({ slug: 'later-file', state: 'published' })]);
    // The check the deploy runs first, as an operator runs it: against this stack, exit 1, named.
    // Not spawnSync: the stack's emulators answer from this process's event loop.
    const check = await execFileAsync('npx', ['tsx', 'cli/check-slugs.ts'], {
      timeout: 60_000,
      env: { ...process.env, DATA_DIR: stack.dataDir, CONTENT_DIR: contentDir },
    }).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => error,
    );
    expect(check.code, check.stderr).toBe(1);
    expect(check.stderr).toContain('content/later-file.md vs the workspace article later-file');
  }, 120_000);
});
