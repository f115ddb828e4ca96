import type { Article } from '../../../core/content/article.js';
import type { Issue } from '../../../core/issues/issue.js';
import type { Publication } from '../../../core/publication.js';
import { Frequencies, frequencyLabels } from '../../../core/subscribers/subscriber.js';
import { Csrf } from '../layout.js';

/** Every issue, and the forms that start a digest or compose an issue. */
export function IssueList(props: {
  issues: Issue[];
  articles: Article[];
  csrf: string;
  publication: Publication;
}) {
  const { issues, articles } = props;
  return (
    <>
      <table>
        <thead>
          <tr>
            <th>Issue</th>
            <th>State</th>
            <th>Audience</th>
            <th>Created</th>
          </tr>
        </thead>
        <tbody>
          {issues.map((i) => (
            <tr>
              <td>
                <a href={`/admin/issues/${i.id}`}>{i.subject}</a>
                <br />
                <small>{i.id}</small>
              </td>
              <td>
                {i.state}
                {i.scheduledAt && i.state === 'scheduled' ? ` for ${i.scheduledAt}` : ''}
              </td>
              <td>
                {i.audience.topics.join(', ')}; {i.audience.frequencies.join(', ')}
              </td>
              <td>{i.createdAt.slice(0, 16).replace('T', ' ')}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2 id="digest">Start a digest</h2>
      <form method="post" action="/admin/digests" class="card actions" aria-labelledby="digest">
        <Csrf token={props.csrf} />
        <div>
          <label for="frequency">Digest</label>
          <select id="frequency" name="frequency">
            <option value="daily">Daily: articles since the last daily digest</option>
            <option value="weekly">Weekly: articles since the last weekly digest</option>
          </select>
        </div>
        <button type="submit">Start this period's digest</button>
      </form>
      <p>Digests also start by themselves on their schedule; either way, one per period.</p>
      <h2 id="compose">Compose an issue</h2>
      <form method="post" action="/admin/issues" class="card" aria-labelledby="compose">
        <Csrf token={props.csrf} />
        <label for="article">Article</label>
        <select id="article" name="article">
          {articles.map((a) => (
            <option value={a.slug}>{a.title}</option>
          ))}
        </select>
        <label for="subject">Subject (the article's title if empty)</label>
        <input id="subject" name="subject" size={70} maxlength={200} />
        <label for="note">Editor's note (optional)</label>
        <textarea id="note" name="editorNote" maxlength={5000} />
        <fieldset>
          <legend>Topics (the article's own unless you tick others)</legend>
          {props.publication.topics.map((t) => (
            <label>
              <input type="checkbox" name="topics" value={t.id} /> {t.label}
            </label>
          ))}
        </fieldset>
        <input type="hidden" name="audience-offered" value="1" />
        <fieldset>
          <legend>Readers who chose (at least one)</legend>
          {Object.values(Frequencies).map((f) => (
            <label>
              <input type="checkbox" name="frequencies" value={f} checked /> {frequencyLabels[f]}
            </label>
          ))}
        </fieldset>
        <p>
          <button type="submit">Create draft</button>
        </p>
      </form>
    </>
  );
}
