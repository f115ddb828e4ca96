import { cp, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subscriberIdFor } from '../../functions/core/subscribers/subscriber.js';
import { createFeedsApp as createApp } from '../../functions/http/feeds-app.js';
import type { LocalStack } from '../../local/stack.js';
import { uniqueEmail } from '../support/builders.js';
import { startTestStack } from '../support/stack.js';
import { quietLogger } from '../support/logger.js';

const SEED = 'nato-western-balkans-stability';
const HOSTILE = 'hostile-title';
const HOSTILE_TITLE = `Breaking: <script>alert('title')</script> & "quotes" ]]> end`;
const HOSTILE_SUMMARY = 'A summary with <img src=x onerror=alert(1)> & an ampersand ]]> inside.';

let stack: LocalStack;
let app: ReturnType<typeof createApp>;
let base: string;

beforeAll(async () => {
  // The real content plus a hostile article and a draft, in a folder of this file's own.
  const contentDir = join(await mkdtemp(join(tmpdir(), 'dispatch-feeds-')), 'content');
  await cp('content', contentDir, { recursive: true });
  await cp('tests/fixtures/feeds', contentDir, { recursive: true });
  stack = await startTestStack({ CONTENT_DIR: contentDir });
  app = createApp(stack.deps, { logger: quietLogger() });
  base = stack.deps.publication.baseUrl;
});
afterAll(async () => stack?.close());

// Items, entries and categories are lists even when there is one of them.
const LISTS = [
  'rss.channel.item',
  'rss.channel.item.category',
  'rss.channel.atom:link',
  'feed.link',
  'feed.entry',
  'feed.entry.link',
  'feed.entry.category',
];
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  isArray: (_name, jpath) => LISTS.includes(String(jpath)),
});

async function fetchFeed(path: string) {
  const response = await app.request(path);
  const xml = await response.text();
  expect(response.status).toBe(200);
  // true, or the first well-formedness error with its line: easier to read than a bare false.
  expect(XMLValidator.validate(xml)).toBe(true);
  return { response, xml, doc: parser.parse(xml) };
}

const escaped = (text: string) =>
  text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');

type RssItem = {
  title: string;
  link: string;
  guid: { '#text': string };
  pubDate: string;
  description: string;
  'content:encoded': string;
  'dc:creator': string;
  category: string[];
};
type AtomEntry = {
  title: { '#text': string; '@type': string };
  id: string;
  link: { '@href': string }[];
  updated: string;
  summary: { '#text': string };
  content: { '#text': string; '@type': string };
  author: { name: string };
  category: { '@term': string; '@label': string }[];
};

describe('RSS 2.0 at /feed.xml', () => {
  it('is well-formed RSS with its content type, absolute links and a self link', async () => {
    const { response, doc } = await fetchFeed('/feed.xml');
    expect(response.headers.get('content-type')).toBe('application/rss+xml; charset=utf-8');
    expect(doc.rss['@version']).toBe('2.0');
    const channel = doc.rss.channel;
    expect(channel.title).toBe(stack.deps.publication.name);
    expect(channel.link).toBe(`${base}/articles`);
    expect(channel['atom:link']).toEqual([
      { '@href': `${base}/feed.xml`, '@rel': 'self', '@type': 'application/rss+xml' },
    ]);
  });

  it('has one item per published article, newest first, with link, date, summary, byline, topics and the HTML', async () => {
    const items: RssItem[] = (await fetchFeed('/feed.xml')).doc.rss.channel.item;
    expect(items.map((i) => i.link)).toEqual([
      `${base}/articles/${HOSTILE}`,
      `${base}/articles/${SEED}`,
    ]);
    const seed = items[1]!;
    expect(seed.title).toBe('NATO Reaffirms Its Commitment to Stability in the Western Balkans');
    expect(seed.guid['#text']).toBe(`${base}/articles/${SEED}`);
    expect(new Date(seed.pubDate).toISOString()).toBe('2026-11-28T00:00:00.000Z');
    expect(seed.description).toMatch(/^NATO has reiterated its unwavering commitment/);
    expect(seed['dc:creator']).toBe('Regional security desk');
    expect(seed.category).toEqual(['Security and defence', 'Politics and diplomacy']);
    expect(seed['content:encoded']).toContain(
      '<h2>NATO’s Enduring Commitment to Regional Stability</h2>',
    );
    expect(seed['content:encoded']).toContain('<h2>Related</h2>');
  });

  it('answers a poll for an unchanged feed with 304 and no body', async () => {
    const first = await app.request('/feed.xml');
    const tag = first.headers.get('etag');
    expect(tag).toBeTruthy();
    const again = await app.request('/feed.xml', { headers: { 'if-none-match': tag! } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
  });

  it('leaves drafts out', async () => {
    const { xml } = await fetchFeed('/feed.xml');
    expect(xml).not.toContain('A draft nobody should see');
    expect(xml).not.toContain('unpublished-draft');
  });
});

describe('Atom 1.0 at /atom.xml', () => {
  it('is well-formed Atom with its content type, id, updated and self/alternate links', async () => {
    const { response, doc } = await fetchFeed('/atom.xml');
    expect(response.headers.get('content-type')).toBe('application/atom+xml; charset=utf-8');
    const feed = doc.feed;
    expect(feed['@xmlns']).toBe('http://www.w3.org/2005/Atom');
    expect(feed.id).toBe(`${base}/`);
    // The newest article's date: the feed does not change between polls unless an article does.
    expect(feed.updated).toBe('2026-11-29T00:00:00.000Z');
    expect(feed.link).toEqual([
      { '@rel': 'alternate', '@href': `${base}/articles` },
      { '@rel': 'self', '@href': `${base}/atom.xml` },
    ]);
  });

  it('has one entry per published article with link, date, summary, author, topics and the HTML', async () => {
    const entries: AtomEntry[] = (await fetchFeed('/atom.xml')).doc.feed.entry;
    expect(entries.map((e) => e.link[0]!['@href'])).toEqual([
      `${base}/articles/${HOSTILE}`,
      `${base}/articles/${SEED}`,
    ]);
    const seed = entries[1]!;
    expect(seed.id).toBe(`${base}/articles/${SEED}`);
    expect(seed.updated).toBe('2026-11-28T00:00:00.000Z');
    expect(seed.author.name).toBe('Regional security desk');
    expect(seed.category.map((c) => [c['@term'], c['@label']])).toEqual([
      ['security', 'Security and defence'],
      ['politics', 'Politics and diplomacy'],
    ]);
    expect(seed.summary['#text']).toMatch(/^NATO has reiterated/);
    expect(seed.content['@type']).toBe('html');
    expect(seed.content['#text']).toContain(
      '<h2>NATO’s Enduring Commitment to Regional Stability</h2>',
    );
  });
});

describe('a hostile article', () => {
  it('has its title, summary and byline escaped in both feeds, and stays well-formed despite "]]>"', async () => {
    const rss: RssItem = (await fetchFeed('/feed.xml')).doc.rss.channel.item[0];
    const atom: AtomEntry = (await fetchFeed('/atom.xml')).doc.feed.entry[0];
    // Escaped once: a reader that renders the HTML shows the text, tags and all.
    expect(rss.title).toBe(escaped(HOSTILE_TITLE));
    expect(rss.description).toBe(escaped(HOSTILE_SUMMARY));
    expect(atom.title).toEqual({ '#text': escaped(HOSTILE_TITLE), '@type': 'html' });
    expect(atom.summary['#text']).toBe(escaped(HOSTILE_SUMMARY));
    // Bylines are XML text, not HTML: the parser gives them back exactly.
    expect(rss['dc:creator']).toBe('Ana <b>Bold</b> & Co');
    expect(atom.author.name).toBe('Ana <b>Bold</b> & Co');
    expect(atom.category.map((c) => c['@label'])).toEqual(['Economy', 'Security and defence']);
  });

  it('never puts a live <script> or event handler into either feed, and its source list is escaped', async () => {
    for (const path of ['/feed.xml', '/atom.xml']) {
      const { xml } = await fetchFeed(path);
      expect(xml).not.toMatch(/<script/i);
      expect(xml).not.toMatch(/<img/i);
      expect(xml).toContain(
        '<a href="https://example.org/report?a=1&amp;b=2">A &lt;source&gt; &amp; more</a>',
      );
    }
  });

  it('has site-relative links in its body made absolute, others left alone', async () => {
    const rss: RssItem = (await fetchFeed('/feed.xml')).doc.rss.channel.item[0];
    expect(rss['content:encoded']).toContain(
      `<a href="${base}/articles/${SEED}">link to the first article</a>`,
    );
    expect(rss['content:encoded']).toContain('<a href="https://example.org/page">outside link</a>');
  });
});

describe('feed autodiscovery and the signup form', () => {
  const alternates = (html: string) =>
    [
      ...html.matchAll(/<link rel="alternate" type="([^"]+)" title="[^"]*" href="([^"]+)"\/?>/g),
    ].map((m) => [m[1], m[2]]);

  it('every page advertises both feeds with absolute URLs, the reader and error pages too', async () => {
    const readerId = await pendingReader();
    const paths = [
      '/',
      '/articles',
      `/articles/${SEED}`,
      '/embed',
      '/no-such-page',
      `/confirm/${stack.deps.signer.sign('confirm', readerId)}`,
      `/unsubscribe/${stack.deps.signer.sign('unsubscribe', readerId)}`,
      `/preferences/${stack.deps.signer.sign('preferences', readerId)}`,
    ];
    for (const path of paths) {
      const html = await (await app.request(path)).text();
      expect(alternates(html), path).toEqual([
        ['application/rss+xml', `${base}/feed.xml`],
        ['application/atom+xml', `${base}/atom.xml`],
      ]);
    }
  });

  it('the front page, the archive and each article carry the signup form; a reader’s own pages do not', async () => {
    const signupForm = 'action="/subscribe"';
    for (const path of ['/', '/articles', `/articles/${SEED}`])
      expect(await (await app.request(path)).text(), path).toContain(signupForm);
    // Confirm, unsubscribe and preferences are about one reader's existing subscription.
    const readerId = await pendingReader();
    for (const purpose of ['confirm', 'unsubscribe', 'preferences'] as const) {
      const html = await (
        await app.request(`/${purpose}/${stack.deps.signer.sign(purpose, readerId)}`)
      ).text();
      expect(html, purpose).not.toContain(signupForm);
    }
  });

  it('the archive lists each published article with its date and summary, and links the feeds', async () => {
    const html = await (await app.request('/articles')).text();
    expect(html).toContain(`<a href="/articles/${SEED}">`);
    expect(html).toContain('<time datetime="2026-11-28">28 November 2026</time>');
    expect(html).toContain(escaped(HOSTILE_TITLE));
    expect(html).not.toContain('A draft nobody should see');
    expect(html).toContain('<a href="/feed.xml">RSS</a>');
  });
});

async function pendingReader(): Promise<string> {
  const email = uniqueEmail('feeds');
  const response = await app.request('/api/subscribe', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email }),
  });
  expect(response.status).toBe(202);
  return subscriberIdFor(email);
}
