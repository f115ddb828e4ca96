import { Hono } from 'hono';
import { raw } from 'hono/html';
import { publishedArticles } from '../../core/content/article.js';
import type { Topic } from '../../core/publication.js';
import type { AppEnv } from '../app.js';
import { Layout } from '../pages/layout.js';
import { FEED_PATHS } from '../feed-paths.js';
import { SignupForm } from '../pages/signup.js';

export const articleRoutes = new Hono<AppEnv>();

const topicLabels = (topics: readonly Topic[], ids: readonly string[]) =>
  ids.map((id) => topics.find((t) => t.id === id)?.label ?? id).join(', ');

const dateLabel = (date: Date) =>
  date.toLocaleDateString('en-GB', {
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    timeZone: 'UTC',
  });

articleRoutes.get('/articles', async (c) => {
  const deps = c.get('deps');
  const articles = publishedArticles(await deps.articles.all());
  return c.html(
    <Layout title="Articles" publication={deps.publication}>
      <h1>Articles</h1>
      <p class="hint">
        Every article we have published, newest first. Follow them in a feed reader:{' '}
        <a href={FEED_PATHS.rss}>RSS</a> or <a href={FEED_PATHS.atom}>Atom</a>.
      </p>
      {articles.length === 0 ? <p>Nothing published yet.</p> : null}
      {articles.map((a) => (
        <article>
          <h2>
            <a href={`/articles/${a.slug}`}>{a.title}</a>
          </h2>
          <p class="meta">
            <time datetime={a.date.toISOString().slice(0, 10)}>{dateLabel(a.date)}</time> ·{' '}
            {a.author ?? a.desk}
          </p>
          <p>{a.summary}</p>
        </article>
      ))}
      <section aria-labelledby="subscribe">
        <h2 id="subscribe">Get new articles by email</h2>
        <SignupForm publication={deps.publication} />
      </section>
    </Layout>,
  );
});

/** The stable web address of an article: every email's "view in your browser" link. */
articleRoutes.get('/articles/:slug', async (c) => {
  const deps = c.get('deps');
  const article = await deps.articles.bySlug(c.req.param('slug'));
  if (!article || article.draft) return c.notFound();
  return c.html(
    <Layout title={article.title} publication={deps.publication} description={article.summary}>
      <article>
        <h1>{article.title}</h1>
        <p class="meta">
          <time datetime={article.date.toISOString().slice(0, 10)}>{dateLabel(article.date)}</time>{' '}
          · {article.author ?? article.desk} ·{' '}
          {topicLabels(deps.publication.topics, article.topics)}
        </p>
        {/* Rendered by us from the repository's markdown, with raw HTML stripped. */}
        {raw(article.html)}
        {article.sources.length > 0 ? (
          <section aria-labelledby="sources">
            <h2 id="sources">Sources</h2>
            <ul>
              {article.sources.map((s) => (
                <li>
                  <a href={s.url}>{s.title}</a>
                </li>
              ))}
            </ul>
          </section>
        ) : null}
        {article.related.length > 0 ? (
          <section aria-labelledby="related">
            <h2 id="related">Related</h2>
            <ul>
              {article.related.map((r) => (
                <li>{r.url ? <a href={r.url}>{r.title}</a> : r.title}</li>
              ))}
            </ul>
          </section>
        ) : null}
      </article>
      <section aria-labelledby="subscribe">
        <h2 id="subscribe">Get articles like this by email</h2>
        <SignupForm publication={deps.publication} />
      </section>
    </Layout>,
  );
});
