/**
 * Every page a reader or an editor sees, reachable on a running stack: the page checks
 * (scripts/check-pages.ts), the screenshots (scripts/screenshots.ts) and the valid-HTML test
 * (tests/e2e/valid-html.test.ts) all walk this one list, so a page added here is checked everywhere.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createApiKey } from '../../functions/core/access/api-keys.js';
import { createArticle } from '../../functions/core/articles/manage.js';
import { createArticleIssue } from '../../functions/core/issues/manage-issues.js';
import { startExport } from '../../functions/core/subscribers/export-job.js';
import { importDeps, importNow } from '../../functions/core/subscribers/import-jobs.js';
import { subscriberIdFor } from '../../functions/core/subscribers/subscriber.js';
import type { LocalStack } from '../../local/stack.js';
import { startTestStack } from '../../tests/support/stack.js';

export const ARTICLE_SLUG = 'nato-western-balkans-stability';

/** An article written in the workspace, for its editor's, history's and revision's pages. */
const WRITTEN = {
  slug: 'written-in-the-workspace',
  source:
    '---\ntitle: Written in the workspace\ndate: 2026-12-01\nsummary: A draft.\ntopics: [economy]\ndesk: Economy desk\n---\n\nA paragraph.\n',
};
/** The editor's form for another one; saved, its slug is taken (422 on the form). */
const WRITTEN_FORM = {
  slug: WRITTEN.slug,
  title: 'Written again',
  summary: 'A second draft.',
  date: '2026-12-02',
  'topic-economy': '1',
  desk: 'Economy desk',
  body: 'Another paragraph.',
};

export type TourPage = {
  /** A short name, also the screenshot's file name. */
  name: string;
  path: string;
  /** Sent as a form POST instead of a GET (the signup's result page). */
  form?: Record<string, string>;
  status: number;
  workspace: boolean;
};

export type Tour = {
  baseUrl: string;
  /** The signed-in key's `dispatch_session` cookie, as a Cookie header (an editor's on the tour's own stack). */
  cookie: string;
  pages: TourPage[];
  close: () => Promise<void>;
};

const PUBLIC: TourPage[] = [
  { name: 'front', path: '/', status: 200, workspace: false },
  { name: 'archive', path: '/articles', status: 200, workspace: false },
  { name: 'article', path: `/articles/${ARTICLE_SLUG}`, status: 200, workspace: false },
  { name: 'embed', path: '/embed', status: 200, workspace: false },
  {
    name: 'subscribe-result',
    path: '/subscribe',
    form: { email: 'page-check@example.org' },
    status: 200,
    workspace: false,
  },
  {
    name: 'subscribe-refused',
    path: '/subscribe',
    form: { email: 'not-an-address' },
    status: 422,
    workspace: false,
  },
  { name: 'not-found', path: '/no-such-page', status: 404, workspace: false },
  { name: 'sign-in', path: '/admin/sign-in', status: 200, workspace: false },
];

const WORKSPACE: TourPage[] = [
  { name: 'admin-dashboard', path: '/admin', status: 200, workspace: true },
  { name: 'admin-articles', path: '/admin/articles', status: 200, workspace: true },
  {
    name: 'admin-article-preview',
    path: `/admin/articles/${ARTICLE_SLUG}`,
    status: 200,
    workspace: true,
  },
  { name: 'admin-issues', path: '/admin/issues', status: 200, workspace: true },
  { name: 'admin-subscribers', path: '/admin/subscribers', status: 200, workspace: true },
  { name: 'admin-suppressions', path: '/admin/suppressions', status: 200, workspace: true },
  { name: 'admin-outbox', path: '/admin/outbox', status: 200, workspace: true },
  { name: 'admin-editors', path: '/admin/editors', status: 200, workspace: true },
  { name: 'admin-audit', path: '/admin/audit', status: 200, workspace: true },
  { name: 'admin-segments', path: '/admin/segments', status: 200, workspace: true },
  { name: 'admin-article-new', path: '/admin/articles/new', status: 200, workspace: true },
];

/**
 * The tour on CHECK_URL's stack when set (a viewer key from CHECK_KEY, or made with
 * `npm run keys`, which finds that stack through DATA_DIR), else on a stack of its own: free ports,
 * in-memory DynamoDB and a fresh temporary data folder, never `.data/`. Its own stack also gets a
 * reader with signed links, an issue, an export and an import, so their pages have something to show.
 */
export async function startTour(env: NodeJS.ProcessEnv = process.env, quiet = true): Promise<Tour> {
  if (env.CHECK_URL) {
    const baseUrl = env.CHECK_URL.replace(/\/$/, '');
    const key = env.CHECK_KEY ?? keyFromCli();
    const cookie = await signIn(baseUrl, key);
    const found = await discovered(baseUrl, cookie);
    return { baseUrl, cookie, pages: [...PUBLIC, ...WORKSPACE, ...found], close: async () => {} };
  }
  const stack = await ownStack(quiet);
  try {
    const extra = await seed(stack);
    // An editor here (a viewer on CHECK_URL's stack): the questions and refused forms are POSTs.
    const { key } = await createApiKey(stack.deps, {
      name: 'Page check',
      email: 'page-check@newsroom.example',
      role: 'editor',
    });
    const cookie = await signIn(stack.appUrl, key);
    const found = await discovered(stack.appUrl, cookie);
    return {
      baseUrl: stack.appUrl,
      cookie,
      pages: [
        ...PUBLIC,
        ...extra,
        ...WORKSPACE,
        ...found,
        ...(await asked(stack.appUrl, cookie, found)),
      ],
      close: () => stack.close(),
    };
  } catch (error) {
    await stack.close();
    throw error;
  }
}

/** The page's HTML as a browser would receive it (the session cookie on workspace pages). */
export async function fetchPage(
  tour: Tour,
  page: TourPage,
): Promise<{ status: number; html: string }> {
  const headers: Record<string, string> = page.workspace ? { cookie: tour.cookie } : {};
  const response = await fetch(`${tour.baseUrl}${page.path}`, {
    method: page.form ? 'POST' : 'GET',
    headers: page.form
      ? { ...headers, 'content-type': 'application/x-www-form-urlencoded' }
      : headers,
    body: page.form ? new URLSearchParams(page.form).toString() : undefined,
    redirect: 'manual',
  });
  return { status: response.status, html: await response.text() };
}

async function ownStack(quiet: boolean): Promise<LocalStack> {
  // The stack logs every request as JSON (its job runner through its own logger, which reads the
  // level from the environment): a check that prints a table keeps only errors.
  if (quiet) process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';
  // The tests' stack: free ports, in-memory DynamoDB, a fresh temporary DATA_DIR.
  return startTestStack();
}

/** A reader (and the pages its signed links open), an issue, an export and an import. */
async function seed(stack: LocalStack): Promise<TourPage[]> {
  const email = 'reader@example.org';
  const response = await fetch(`${stack.appUrl}/api/subscribe`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email }),
  });
  if (response.status !== 202) throw new Error(`seeding a reader: ${response.status}`);
  const id = subscriberIdFor(email);
  const link = (purpose: 'confirm' | 'unsubscribe' | 'preferences') =>
    `/${purpose}/${stack.deps.signer.sign(purpose, id)}`;
  const issue = await createArticleIssue(stack.deps, { article: ARTICLE_SLUG });
  // What SES's events leave (docs/engagement.md): the issue's links table, the reader's history.
  const clicked = `${stack.deps.publication.baseUrl}/articles/${ARTICLE_SLUG}`;
  const minutesAgo = (n: number) => new Date(Date.now() - n * 60_000);
  await stack.deps.engagement.delivered(issue.id, id, minutesAgo(30));
  await stack.deps.engagement.opened(issue.id, id, minutesAgo(20));
  await stack.deps.engagement.clicked(issue.id, id, clicked, minutesAgo(19));
  await stack.deps.engagement.addLinkClicks(issue.id, clicked, {
    clicks: 1,
    uniqueClickers: 1,
    botClicks: 1,
  });
  await createArticle(stack.deps, { ...WRITTEN, by: 'page-check@newsroom.example' });
  const exported = await startExport(stack.deps, 'Page check', randomUUID());
  const csv = 'email,topics\nimported@example.org,security\nnot-an-address,security\n';
  const imported = await importNow(importDeps(stack.deps), new TextEncoder().encode(csv), 10_000);
  const page = (name: string, path: string, workspace = false): TourPage => ({
    name,
    path,
    status: 200,
    workspace,
  });
  return [
    page('confirm', link('confirm')),
    page('unsubscribe', link('unsubscribe')),
    page('preferences', link('preferences')),
    { ...page('invalid-link', '/confirm/not-a-token'), status: 400 },
    page('admin-export', `/admin/exports/${exported.id}`, true),
    page('admin-import', `/admin/subscribers/imports/${imported.id}`, true),
    page('admin-article-edit', `/admin/articles/${WRITTEN.slug}/edit`, true),
    page('admin-article-history', `/admin/articles/${WRITTEN.slug}/history`, true),
    page('admin-article-revision', `/admin/articles/${WRITTEN.slug}/history/1`, true),
  ];
}

/** The first issue's and the first subscriber's pages, found by their links in the lists. */
async function discovered(baseUrl: string, cookie: string): Promise<TourPage[]> {
  const found: TourPage[] = [];
  for (const [name, list, pattern] of [
    ['admin-issue', '/admin/issues', /href="(\/admin\/issues\/[^"/?]+)"/],
    ['admin-subscriber', '/admin/subscribers', /href="(\/admin\/subscribers\/(?!imports)[^"/?]+)"/],
  ] as const) {
    const html = await (await fetch(`${baseUrl}${list}`, { headers: { cookie } })).text();
    const path = pattern.exec(html)?.[1];
    if (path) found.push({ name, path, status: 200, workspace: true });
    else console.warn(`No link on ${list} to check ${name} with.`);
  }
  return found;
}

/**
 * The pages a workspace POST answers without changing anything: the reviews before sending and
 * scheduling, the questions before erasing and suppressing (none posts `confirmed=yes`), and
 * forms refused and shown again with what was typed.
 */
async function asked(baseUrl: string, cookie: string, found: TourPage[]): Promise<TourPage[]> {
  const dashboard = await (await fetch(`${baseUrl}/admin`, { headers: { cookie } })).text();
  const csrf = /name="_csrf" value="([^"]+)"/.exec(dashboard)?.[1] ?? '';
  const issue = found.find((p) => p.name === 'admin-issue')?.path;
  const reader = found.find((p) => p.name === 'admin-subscriber')?.path;
  const post = (name: string, path: string, form: Record<string, string>, status = 200) => ({
    name,
    path,
    form: { _csrf: csrf, ...form },
    status,
    workspace: true,
  });
  return [
    ...(issue
      ? [
          post('admin-review-send', `${issue}/send`, {}),
          post('admin-review-schedule', `${issue}/schedule`, { at: '2030-01-01T07:00' }),
          post('admin-schedule-refused', `${issue}/schedule`, { at: '2020-01-01T07:00' }, 422),
        ]
      : []),
    ...(reader ? [post('admin-erase-question', `${reader}/erase`, {})] : []),
    post('admin-suppress-question', '/admin/suppressions', {
      email: 'asked@example.org',
      reason: 'asked by phone',
    }),
    post('admin-add-refused', '/admin/subscribers', { email: 'not-an-address' }, 422),
    post('admin-article-preview-new', '/admin/articles/new', {
      ...WRITTEN_FORM,
      action: 'preview',
    }),
    post('admin-article-refused', '/admin/articles/new', { ...WRITTEN_FORM, action: 'save' }, 422),
    post('admin-article-publish-question', `/admin/articles/${WRITTEN.slug}/publish`, {}),
  ];
}

async function signIn(baseUrl: string, key: string): Promise<string> {
  const response = await fetch(`${baseUrl}/admin/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ key }).toString(),
    redirect: 'manual',
  });
  const session = /dispatch_session=[^;]+/.exec(response.headers.get('set-cookie') ?? '')?.[0];
  if (!session) throw new Error(`Signing in at ${baseUrl} failed (${response.status}).`);
  return session;
}

/** A viewer key for CHECK_URL's stack, made as an editor would: `npm run keys`. */
function keyFromCli(): string {
  const out = execFileSync(
    'npm',
    [
      'run',
      '-s',
      'keys',
      '--',
      'create',
      '--name',
      'Page check',
      '--email',
      'page-check@newsroom.example',
      '--role',
      'viewer',
    ],
    { encoding: 'utf8' },
  );
  // The key alone on its line (the first line names only its prefix).
  const key = /^\s+(dsp_\S+)\s*$/m.exec(out)?.[1];
  if (!key) throw new Error(`npm run keys printed no key:\n${out}`);
  return key;
}
