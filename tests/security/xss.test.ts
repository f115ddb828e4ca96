/**
 * Hostile values are inert everywhere they are shown: in the article pages (front matter and
 * markdown from a hostile fixture), the signup form echoing its input, the article and digest
 * emails rendered through MJML with a hostile editor's note, and the MIME headers (subject and
 * sender name cannot add header lines). Checked twice: statically (no script, no event-handler
 * attribute, no script URL in any tag) and, where Chromium is installed, in a real DOM that fails
 * on any dialog.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { articleCatalog, loadTopics } from '../../functions/adapters/content/fs-content.js';
import { MjmlIssueRenderer } from '../../functions/adapters/mjml/mjml-renderer.js';
import { SesMailer } from '../../functions/adapters/ses/ses-mailer.js';
import type { Article } from '../../functions/core/content/article.js';
import type { Issue } from '../../functions/core/issues/issue.js';
import { createApp } from '../../functions/http/app.js';
import { createLogger } from '../../functions/logger.js';
import type { LocalStack } from '../../local/stack.js';
import { browserAvailable, launchChromium } from '../support/browser.js';
import { startTestStack } from '../support/stack.js';
import { HOSTILE } from './fuzz-support.js';
import { quietLogger } from '../support/logger.js';

const HOSTILE_DIR = fileURLToPath(new URL('../fixtures/hostile-content', import.meta.url));
const SLUG = 'hostile-article';
const NOTE = `Editor's note: <script>alert('note')</script>\n\n"><img src=x onerror=alert('note')> <a href="javascript:alert('note')">x</a>`;

let stack: LocalStack;
let app: ReturnType<typeof createApp>;
let article: Article;
/** Every document rendered, checked again in the browser at the end. */
const rendered: { what: string; html: string }[] = [];

beforeAll(async () => {
  stack = await startTestStack();
  const topics = await loadTopics(HOSTILE_DIR);
  const articles = articleCatalog(HOSTILE_DIR, topics);
  article = (await articles.bySlug(SLUG))!;
  app = createApp(
    { ...stack.deps, articles },
    { clientIp: () => '192.0.2.60', logger: quietLogger() },
  );
});
afterAll(async () => stack?.close());

/** Tags as a browser would see their attributes, decoded enough to catch entity tricks. */
function assertInert(what: string, html: string) {
  rendered.push({ what, html });
  expect(html, `${what}: a script element`).not.toMatch(/<script\b/i);
  for (const tag of ['svg', 'iframe', 'object', 'embed', 'details', 'math'])
    expect(html, `${what}: <${tag}>`).not.toMatch(new RegExp(`<${tag}\\b`, 'i'));
  // Tags tokenized as an HTML parser would: a quoted value may hold anything, including "onerror=".
  for (const [tag, , attributes] of html.matchAll(
    /<([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^\s"'>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)*)\s*\/?>/g,
  )) {
    for (const [, name, value = ''] of attributes!.matchAll(
      /\s+([^\s"'>/=]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s"'=<>`]+))?/g,
    )) {
      expect(name, `${what}: an event handler attribute in ${tag}`).not.toMatch(/^on/i);
      if (/^(href|src|action|formaction|srcset|background|xlink:href)$/i.test(name!)) {
        const decoded = decodeEntities(value.replace(/^["']|["']$/g, '')).replace(
          // biome-ignore lint/suspicious/noControlCharactersInRegex: browsers drop control characters in URLs, so an attack may hide behind them.
          /[\s\0-\x1f]/g,
          '',
        );
        expect(decoded, `${what}: ${tag}`).not.toMatch(/^(javascript|data|vbscript):/i);
      }
    }
  }
  // Nothing that looks like a tag was left unparsed (a broken tag a browser might still honour).
  expect(
    html
      .match(/<[a-zA-Z][^>]*\son[a-z]+\s*=[^>]*>/gi)
      ?.filter(
        (t) =>
          !/^<[a-zA-Z][a-zA-Z0-9-]*(\s+[^\s"'>/=]+(\s*=\s*("[^"]*"|'[^']*'|[^\s"'=<>`]+))?)*\s*\/?>$/.test(
            t,
          ),
      ) ?? [],
    what,
  ).toEqual([]);
}

const decodeEntities = (s: string) =>
  s
    .replace(/&#x([0-9a-f]+);?/gi, (_, h: string) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&#(\d+);?/g, (_, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&colon;/gi, ':')
    .replace(/&tab;/gi, '\t')
    .replace(/&newline;/gi, '\n');

describe('pages', () => {
  it('the article page, the archive and the front page show hostile front matter and markdown as text', async () => {
    for (const path of [`/articles/${SLUG}`, '/articles', '/']) {
      const response = await app.request(path);
      expect(response.status, path).toBe(200);
      const html = await response.text();
      assertInert(path, html);
      if (path !== '/') expect(html).toContain('&lt;script&gt;alert(');
    }
    const page = await (await app.request(`/articles/${SLUG}`)).text();
    // The markdown's script links lost their target and kept their words.
    expect(page).toContain('a javascript link');
    expect(page).not.toMatch(/href="[^"]*(javascript|vbscript|data):/i);
  });

  it('the signup form echoes hostile input escaped, whatever the field', async () => {
    for (const value of HOSTILE) {
      const body = new URLSearchParams([
        ['email', value],
        ['topics', value],
        ['frequency', value],
        ['form', 'hosted'],
      ]);
      const response = await app.request('/subscribe', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: body.toString(),
      });
      expect(response.status).toBe(422);
      assertInert(`signup form with ${JSON.stringify(value)}`, await response.text());
    }
  });
});

describe('emails', () => {
  const anIssue = (overrides: Partial<Issue> = {}): Issue => ({
    id: `article-${SLUG}`,
    content: { kind: 'article', slug: SLUG },
    subject: article.title,
    editorNote: NOTE,
    audience: { topics: ['security'], frequencies: ['immediate', 'daily', 'weekly'] },
    state: 'draft',
    deliveryKey: `article:${SLUG}`,
    createdAt: '2026-11-28T00:00:00.000Z',
    updatedAt: '2026-11-28T00:00:00.000Z',
    version: 1,
    ...overrides,
  });

  it("the article email (MJML) with a hostile article and editor's note: everything shown as text", async () => {
    const email = await new MjmlIssueRenderer('templates').render(
      anIssue(),
      [article],
      stack.deps.publication,
    );
    assertInert('article email', email.html);
    // Shown, escaped (MJML's escaping uses numeric entities, ours named ones).
    expect(email.html).toMatch(/(&lt;|&#60;)script(&gt;|&#62;)alert\(&#39;note&#39;\)/);
    expect(email.html).toMatch(/(&lt;|&#60;)script(&gt;|&#62;)alert\(&#39;title&#39;\)/);
    // The text part is plain text: whatever it says cannot run.
    expect(email.text).toContain("Editor's note");
  });

  it('the digest email with the same article and note', async () => {
    const issue = anIssue({
      id: 'digest-daily-x',
      content: { kind: 'digest', frequency: 'daily', period: '2026-11-28', slugs: [SLUG] },
      deliveryKey: 'digest-daily-x',
    });
    const email = await new MjmlIssueRenderer('templates').render(
      issue,
      [article],
      stack.deps.publication,
    );
    assertInert('digest email', email.html);
  });

  it("no header injection through the subject or the sender's name: the MIME has exactly its own header lines", async () => {
    const mailer = new SesMailer({
      from: { name: 'The Gazette\r\nBcc: victim@example.com', address: 'news@example.org' },
      replyTo: 'reply@example.org',
      logger: createLogger(),
    });
    for (const subject of [
      'Hello\r\nBcc: victim@example.com',
      'Hello\nX-Injected: 1',
      'Hello\rContent-Type: text/html',
      `${article.title}\r\n\r\n<script>alert(1)</script>`,
    ]) {
      const raw = (
        await mailer.compose({
          to: 'reader@example.com',
          subject,
          html: '<p>hi</p>',
          text: 'hi',
          headers: { 'List-Id': 'gazette.example.org' },
        })
      ).toString('utf8');
      const head = raw.slice(0, raw.indexOf('\r\n\r\n'));
      const names = head
        .split('\r\n')
        .filter((line) => !/^[ \t]/.test(line))
        .map((line) => line.slice(0, line.indexOf(':')).toLowerCase());
      expect(
        names.filter((n) => ['bcc', 'x-injected', 'cc'].includes(n)),
        head,
      ).toEqual([]);
      expect(
        names.filter((n) => n === 'content-type'),
        head,
      ).toHaveLength(1);
      expect(
        names.filter((n) => n === 'subject'),
        head,
      ).toHaveLength(1);
      expect(
        names.filter((n) => n === 'from'),
        head,
      ).toHaveLength(1);
    }
  });
});

describe.skipIf(!browserAvailable())(
  'in a real DOM (Chromium, scripts enabled, no network)',
  () => {
    let browser: Browser;
    beforeAll(async () => {
      browser = await launchChromium();
    });
    afterAll(async () => browser?.close());

    it('no dialog, no script element, no handler attribute, no script URL in anything rendered above', async () => {
      expect(rendered.length).toBeGreaterThan(10);
      const page = await browser.newPage({ javaScriptEnabled: true });
      const dialogs: string[] = [];
      page.on('dialog', (dialog) => {
        dialogs.push(dialog.message());
        void dialog.dismiss();
      });
      // No request leaves the page: hostile src/href values cannot reach anything.
      await page.route('**/*', (route) => route.abort());
      for (const { what, html } of rendered) {
        await page.setContent(html, { waitUntil: 'load' });
        // Click every link and hover everything: a javascript: URL or a handler would fire now.
        // A string, so this file needs no DOM types (a `lib: dom` reference would change every file's types).
        const findings = await page.evaluate<{
          scripts: number;
          handlers: string[];
          urls: string[];
        }>(`(() => {
        const all = Array.from(document.querySelectorAll('*'));
        const handlers = all.flatMap((el) => Array.from(el.attributes).filter((a) => /^on/i.test(a.name)).map((a) => el.tagName + '[' + a.name + ']'));
        const urls = all.flatMap((el) => ['href', 'src', 'action', 'formaction'].map((n) => el.getAttribute(n) || '').filter((v) => /^(javascript|data|vbscript):/i.test(v.replace(/[\\s\\0-\\x1f]/g, ''))));
        for (const a of Array.from(document.querySelectorAll('a'))) a.dispatchEvent(new MouseEvent('mouseover', { bubbles: true }));
        return { scripts: document.querySelectorAll('script').length, handlers, urls };
      })()`);
        expect(findings, what).toEqual({ scripts: 0, handlers: [], urls: [] });
      }
      expect(dialogs).toEqual([]);
      await page.close();
    });
  },
);
