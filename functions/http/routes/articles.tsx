import { Hono } from 'hono';
import { publishedArticles } from '../../core/content/article.js';
import type { AppEnv } from '../app.js';
import { ArticlePage, dateLabel } from '../pages/article.js';
import { Layout } from '../pages/layout.js';
import { FEED_PATHS } from '../feed-paths.js';
import { SignupForm } from '../pages/signup.js';

export const articleRoutes = new Hono<AppEnv>();

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
  return c.html(<ArticlePage article={article} publication={deps.publication} />);
});
