import { raw } from 'hono/html';
import type { Article } from '../../core/content/article.js';
import type { Publication, Topic } from '../../core/publication.js';
import { Layout } from './layout.js';
import { SignupForm } from './signup.js';

const topicLabels = (topics: readonly Topic[], ids: readonly string[]) =>
  ids.map((id) => topics.find((t) => t.id === id)?.label ?? id).join(', ');

export const dateLabel = (date: Date) =>
  date.toLocaleDateString('en-GB', {
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    timeZone: 'UTC',
  });

/**
 * An article's web page, as readers see it at /articles/<slug>: one renderer for the public site
 * and the workspace's preview of an article being written, so the preview is the page.
 */
export function ArticlePage({
  article,
  publication,
}: {
  article: Article;
  publication: Publication;
}) {
  return (
    <Layout title={article.title} publication={publication} description={article.summary}>
      <article>
        <h1>{article.title}</h1>
        <p class="meta">
          <time datetime={article.date.toISOString().slice(0, 10)}>{dateLabel(article.date)}</time>{' '}
          · {article.author ?? article.desk} · {topicLabels(publication.topics, article.topics)}
        </p>
        {/* Rendered by us from the article's markdown, with raw HTML stripped. */}
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
        <SignupForm publication={publication} />
      </section>
    </Layout>
  );
}
