import type { WorkspaceArticle } from '../../../core/articles/article.js';
import type { Article } from '../../../core/content/article.js';
import { Csrf } from '../layout.js';
import { EmailPreview, type Preview } from './email-preview.js';
import { Badge, When } from './when.js';

/**
 * What readers see, from both places: a workspace article links to its editor, a `content/`
 * file's is read-only here (it changes with the file and a deploy).
 */
export function ArticleList({
  articles,
  written = new Set(),
}: {
  articles: Article[];
  /** The slugs of the workspace's articles: every other one is a content/ file's. */
  written?: ReadonlySet<string>;
}) {
  return (
    <table>
      <thead>
        <tr>
          <th>Article</th>
          <th>Date</th>
          <th>Topics</th>
          <th>From</th>
          <th>Actions</th>
        </tr>
      </thead>
      <tbody>
        {articles.map((a) => (
          <tr>
            <td>{a.title}</td>
            <td>{a.date.toISOString().slice(0, 10)}</td>
            <td>{a.topics.join(', ')}</td>
            <td>
              {written.has(a.slug) ? (
                <a href={`/admin/articles/${a.slug}/edit`}>the workspace</a>
              ) : (
                'from content/ (read-only)'
              )}
            </td>
            <td>
              <a href={`/admin/articles/${a.slug}`}>Preview</a> ·{' '}
              <a href={`/articles/${a.slug}`}>Web page</a>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function ArticlePreview(props: { article: Article; preview: Preview; csrf: string }) {
  const { article } = props;
  return (
    <>
      <EmailPreview preview={props.preview} />
      <p>
        <a href={`/articles/${article.slug}`}>The web page</a>
      </p>
      <form method="post" action="/admin/issues" class="card">
        <Csrf token={props.csrf} />
        <input type="hidden" name="article" value={article.slug} />
        <button type="submit">Create an issue from this article</button>
      </form>
    </>
  );
}

/** The workspace's articles, drafts included, most recently changed first. */
export function WorkspaceArticleList(props: {
  articles: (WorkspaceArticle & { title: string })[];
  canEdit: boolean;
}) {
  return (
    <>
      {props.canEdit ? (
        <p>
          <a href="/admin/articles/new">Write a new article</a>
        </p>
      ) : null}
      {props.articles.length === 0 ? (
        <p>None yet: every article so far is a content/ file.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>Article</th>
              <th>State</th>
              <th>Changed</th>
            </tr>
          </thead>
          <tbody>
            {props.articles.map((a) => (
              <tr>
                <td>
                  <a href={`/admin/articles/${a.slug}/edit`}>{a.title}</a>
                </td>
                <td>
                  <Badge state={a.state} />
                  {a.state === 'scheduled' ? (
                    <>
                      {' '}
                      for <When at={a.publishAt} />
                    </>
                  ) : null}
                </td>
                <td>
                  <When at={a.updatedAt} /> by {a.updatedBy}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
