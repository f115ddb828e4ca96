import type { Article } from '../../../core/content/article.js';
import { Csrf } from '../layout.js';
import { EmailPreview, type Preview } from './email-preview.js';

export function ArticleList({ articles }: { articles: Article[] }) {
  return (
    <table>
      <thead>
        <tr>
          <th>Article</th>
          <th>Date</th>
          <th>Topics</th>
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
