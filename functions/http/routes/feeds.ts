import { Feed, type Item } from 'feed';
import { Hono } from 'hono';
import { etag } from 'hono/etag';
import { publishedArticles, type Article } from '../../core/content/article.js';
import type { Publication } from '../../core/publication.js';
import { absoluteLinks } from '../../core/links.js';
import type { Logger } from '../../logger.js';
import type { ArticleSource } from '../../core/issues/deps.js';

/** Where the feeds live; the layout advertises them in every page's head. */
import { FEED_PATHS, type FeedFormat } from '../feed-paths.js';
export { FEED_PATHS };

export type { FeedFormat };

const CONTENT_TYPES: Record<FeedFormat, string> = {
  rss: 'application/rss+xml; charset=utf-8',
  atom: 'application/atom+xml; charset=utf-8',
};

/**
 * The archive page lists everything; a feed only needs what a reader's client has not seen yet.
 * Fifty covers months of publishing and keeps every poll small.
 */
const FEED_LENGTH = 50;

/** What the feeds read: the publication and its articles (files only, no table). */
export type FeedDeps = { publication: Publication; articles: Pick<ArticleSource, 'all'> };
export type FeedEnv = { Variables: { deps: FeedDeps; requestId: string; logger: Logger } };

export const feedRoutes = new Hono<FeedEnv>();

// Feed readers poll every few minutes; with an ETag an unchanged feed costs them a 304 and no body.
for (const path of Object.values(FEED_PATHS)) feedRoutes.use(path, etag());

for (const format of ['rss', 'atom'] as const) {
  feedRoutes.get(FEED_PATHS[format], async (c) => {
    const deps = c.get('deps');
    const xml = buildFeed(format, deps.publication, await deps.articles.all());
    // Feed readers poll; a few minutes of caching costs nothing for articles that ship with a deploy.
    return c.body(xml, 200, {
      'content-type': CONTENT_TYPES[format],
      'cache-control': 'public, max-age=300',
    });
  });
}

/**
 * RSS 2.0 or Atom 1.0 of the newest published articles, every URL absolute (a feed is read far
 * from the site, so a relative link would resolve against the reader's app).
 *
 * Titles and summaries are plain text in the front matter, but both formats here carry them as
 * HTML (Atom's `type="html"`; RSS readers mostly render titles and descriptions as HTML), so they
 * are HTML-escaped first: an article titled `<script>` shows as text, never runs.
 */
export function buildFeed(
  format: FeedFormat,
  publication: Publication,
  articles: readonly Article[],
): string {
  const base = publication.baseUrl;
  const items = publishedArticles(articles).slice(0, FEED_LENGTH);
  const feed = new Feed({
    title: publication.name,
    description: `Articles from ${publication.name}`,
    id: `${base}/`,
    link: `${base}/articles`,
    language: 'en',
    // The newest article's date, not the time of the request: an unchanged feed stays byte-identical.
    updated: items[0]?.date ?? new Date(0),
    generator: false,
    copyright: `© ${publication.name}`,
    // Each format's rel="self" link comes from these.
    feedLinks: { rss: `${base}${FEED_PATHS.rss}`, atom: `${base}${FEED_PATHS.atom}` },
  });
  const topicLabel = new Map(publication.topics.map((t) => [t.id, t.label]));
  for (const article of items) feed.addItem(feedItem(format, article, base, topicLabel));
  return format === 'rss' ? feed.rss2() : feed.atom1();
}

function feedItem(
  format: FeedFormat,
  article: Article,
  base: string,
  topicLabel: ReadonlyMap<string, string>,
): Item {
  const link = `${base}/articles/${article.slug}`;
  const byline = article.author ?? article.desk ?? '';
  return {
    title: escapeHtml(article.title),
    // No separate id: the article's address is its permanent identity (RSS guid isPermaLink, Atom id).
    link,
    date: article.date,
    description: escapeHtml(article.summary),
    content: articleContent(article, base),
    category: article.topics.map((id) => ({
      // `feed` writes Atom's label and term attributes escaping only "&" and quotes, so a "<" in a
      // topic label would make the XML ill-formed; ids are slugs already (topics.json schema).
      name: (topicLabel.get(id) ?? id).replace(/</g, ''),
      term: id,
    })),
    // RSS 2.0's <author> must be an email address; a byline goes in dc:creator, as feed readers expect.
    ...(format === 'rss'
      ? { extensions: [{ name: 'dc:creator', objects: { _text: byline } }] }
      : { author: [{ name: byline }] }),
  };
}

/** The page's article: body, then its sources and related reading, with links made absolute. */
function articleContent(article: Article, base: string): string {
  const list = (entries: { title: string; url?: string }[]) =>
    `<ul>${entries.map((e) => `<li>${e.url ? `<a href="${escapeHtml(e.url)}">${escapeHtml(e.title)}</a>` : escapeHtml(e.title)}</li>`).join('')}</ul>`;
  let html = absoluteLinks(article.html, base);
  if (article.sources.length > 0) html += `<h2>Sources</h2>${list(article.sources)}`;
  if (article.related.length > 0) html += `<h2>Related</h2>${list(article.related)}`;
  return html;
}

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!,
  );
}
