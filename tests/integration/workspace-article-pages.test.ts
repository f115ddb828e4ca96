/**
 * The workspace's article pages through app.request(): what the browser test does not reach.
 * A content/ file's slug is refused on the form; a save over a newer version is a 409; a bad
 * schedule time comes back under its field; unpublishing asks first; a viewer reads the pages
 * with no buttons and cannot post; a form from another site changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../functions/core/access/api-keys.js';
import { createAdminApp } from '../../functions/http/admin/admin-app.js';
import type { LocalStack } from '../../local/stack.js';
import { quietLogger } from '../support/logger.js';
import { startTestStack } from '../support/stack.js';

let stack: LocalStack;
let app: ReturnType<typeof createAdminApp>;

type Session = { cookie: string; csrf: string };
let editor: Session;
let viewer: Session;

async function signIn(role: 'editor' | 'viewer'): Promise<Session> {
  const { key } = await createApiKey(stack.deps, {
    name: `An ${role}`,
    email: `${role}@example.org`,
    role,
  });
  const signedIn = await app.request('/admin/sign-in', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ key }).toString(),
  });
  const cookie = signedIn.headers.get('set-cookie')!.split(';')[0]!;
  const dashboard = await (await app.request('/admin', { headers: { cookie } })).text();
  return { cookie, csrf: /name="_csrf" value="([^"]+)"/.exec(dashboard)![1]! };
}

beforeAll(async () => {
  stack = await startTestStack();
  app = createAdminApp(stack.deps, { logger: quietLogger() });
  editor = await signIn('editor');
  viewer = await signIn('viewer');
});
afterAll(async () => stack?.close());

const post = (
  path: string,
  fields: Record<string, string>,
  as: Session = editor,
  headers: Record<string, string> = {},
) =>
  app.request(path, {
    method: 'POST',
    headers: { cookie: as.cookie, 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams({ _csrf: as.csrf, ...fields }).toString(),
  });
const get = (path: string, as: Session = editor) =>
  app.request(path, { headers: { cookie: as.cookie } });

const article = (slug: string, title = 'Bridges <b>and</b> roads') => ({
  slug,
  title,
  summary: 'What is built this year.',
  date: '2026-12-01',
  'topic-economy': '1',
  desk: 'Economy desk',
  sources: '',
  related: '',
  body: 'A paragraph.',
});

async function saved(slug: string) {
  const response = await post('/admin/articles/new', { ...article(slug), action: 'save' });
  expect(response.status).toBe(303);
  expect(response.headers.get('location')).toBe(
    `/admin/articles/${slug}/edit?notice=article_created`,
  );
  return stack.deps.workspaceArticles.get(slug);
}

describe('the workspace article pages', () => {
  it('refuses a content/ file’s slug on the form, the input kept, and escapes the title', async () => {
    const response = await post('/admin/articles/new', {
      ...article('nato-western-balkans-stability'),
      action: 'save',
    });
    expect(response.status).toBe(422);
    const html = await response.text();
    expect(html).toContain('Address (slug): is a content/ file’s: pick another');
    expect(html).toContain('value="Bridges &lt;b&gt;and&lt;/b&gt; roads"');
    expect(html).not.toContain('<b>and</b>');
  });

  it('refuses a save over a newer version (409), and a schedule time under its field', async () => {
    const first = (await saved('bridges-one'))!;
    const edit = { ...article('bridges-one', 'Bridges, first edit'), action: 'save' };
    expect((await post('/admin/articles/bridges-one/edit', { ...edit, version: '1' })).status).toBe(
      303,
    );
    const stale = await post('/admin/articles/bridges-one/edit', {
      ...edit,
      title: 'Bridges, stale edit',
      version: String(first.version),
    });
    expect(stale.status).toBe(409);
    expect(await stale.text()).toContain('changed since you read it');
    expect((await stack.deps.workspaceArticles.get('bridges-one'))!.version).toBe(2);
    // A preview keeps the version the editor opened: their save is still judged against it.
    const previewed = await post('/admin/articles/bridges-one/edit', {
      ...edit,
      action: 'preview',
      version: '1',
    });
    expect(await previewed.text()).toContain('<input type="hidden" name="version" value="1"/>');

    const past = await post('/admin/articles/bridges-one/schedule', {
      at: '2020-01-01T10:00',
      version: '2',
    });
    expect(past.status).toBe(422);
    const html = await past.text();
    expect(html).toContain('Publish at: must be in the future');
    expect(html).toContain('value="Bridges, first edit"');
    expect((await stack.deps.workspaceArticles.get('bridges-one'))!.state).toBe('draft');

    const later = await post('/admin/articles/bridges-one/schedule', {
      at: '2099-01-01T10:00',
      version: '2',
    });
    expect(later.status).toBe(303);
    expect(await stack.deps.workspaceArticles.get('bridges-one')).toMatchObject({
      state: 'scheduled',
      publishAt: '2099-01-01T10:00:00.000Z',
    });
  });

  it('asks before unpublishing, saying what readers lose', async () => {
    await saved('bridges-two');
    await post('/admin/articles/bridges-two/publish', { version: '1', confirmed: 'yes' });
    expect((await stack.deps.workspaceArticles.get('bridges-two'))!.state).toBe('published');
    const asked = await post('/admin/articles/bridges-two/unpublish', { version: '2' });
    expect(asked.status).toBe(200);
    expect(await asked.text()).toContain('/articles/bridges-two answers “page not found”');
    expect((await stack.deps.workspaceArticles.get('bridges-two'))!.state).toBe('published');
    const done = await post('/admin/articles/bridges-two/unpublish', {
      version: '2',
      confirmed: 'yes',
    });
    expect(done.status).toBe(303);
    expect((await stack.deps.workspaceArticles.get('bridges-two'))!.state).toBe('unpublished');
  });

  it('shows a viewer the article with no buttons, and refuses the viewer’s posts', async () => {
    await saved('bridges-three');
    const page = await (await get('/admin/articles/bridges-three/edit', viewer)).text();
    expect(page).toContain('<fieldset disabled="">');
    expect(page).not.toContain('Save draft');
    expect(page).not.toContain('>Publish<');
    expect(await (await get('/admin/articles', viewer)).text()).not.toContain(
      'Write a new article',
    );
    const refused = await post(
      '/admin/articles/bridges-three/publish',
      { version: '1', confirmed: 'yes' },
      viewer,
    );
    expect(refused.status).toBe(403);
    expect((await stack.deps.workspaceArticles.get('bridges-three'))!.state).toBe('draft');
  });

  it('changes nothing for a form posted from another site', async () => {
    await saved('bridges-four');
    const foreign = await post(
      '/admin/articles/bridges-four/publish',
      { version: '1', confirmed: 'yes' },
      editor,
      { 'sec-fetch-site': 'cross-site' },
    );
    expect(foreign.status).toBe(403);
    expect((await stack.deps.workspaceArticles.get('bridges-four'))!.state).toBe('draft');
    expect((await get('/admin/articles/no-such-article/edit')).status).toBe(404);
    expect(
      await (await get('/admin/articles/nato-western-balkans-stability/edit')).text(),
    ).toContain('is the file <code>content/nato-western-balkans-stability.md</code>');
    expect((await get('/admin/articles/bridges-four/history/9')).status).toBe(404);
  });
});
