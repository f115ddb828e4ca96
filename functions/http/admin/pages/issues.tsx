import type { Article } from '../../../core/content/article.js';
import type { Issue } from '../../../core/issues/issue.js';
import type { Publication } from '../../../core/publication.js';
import { Frequencies, frequencyLabels } from '../../../core/subscribers/subscriber.js';
import type { FieldIssue } from '../../../core/errors.js';
import { Csrf } from '../layout.js';
import { Badge, When } from './when.js';

/** What the editor typed in the compose form, kept when it is refused so nothing is typed twice. */
export type ComposeInput = {
  article?: string;
  subject?: string;
  editorNote?: string;
  topics?: string[];
  frequencies?: string[];
};

/** The compose form's fields by the names its labels give them, for saying what to correct. */
const composeLabels: Record<string, string> = {
  article: 'Article',
  subject: 'Subject',
  editorNote: "Editor's note",
  topics: 'Topics',
  frequencies: 'Readers who chose',
};
const labelOf = (field: string) => composeLabels[field.split('.')[0] ?? ''] ?? field;

/** Every issue, and the forms that start a digest or compose an issue. */
export function IssueList(props: {
  issues: Issue[];
  articles: Article[];
  csrf: string;
  publication: Publication;
  /** A refused compose form: what was typed, and each field's problem (or the message). */
  refused?: { input: ComposeInput; issues: FieldIssue[]; message: string };
}) {
  const { issues, articles } = props;
  const kept = props.refused?.input;
  const wrong = (field: string) =>
    props.refused?.issues.some((i) => i.field.split('.')[0] === field) ? 'true' : undefined;
  const frequenciesTicked = kept?.frequencies ?? Object.values(Frequencies);
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
                <Badge state={i.state} />
                {i.scheduledAt && i.state === 'scheduled' ? (
                  <>
                    {' '}
                    for <When at={i.scheduledAt} />
                  </>
                ) : null}
              </td>
              <td>
                {i.audience.topics.join(', ')}; {i.audience.frequencies.join(', ')}
              </td>
              <td>
                <When at={i.createdAt} />
              </td>
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
        {props.refused ? (
          <div class="error" role="alert" id="compose-error">
            <p>This draft was not created. Please correct:</p>
            <ul>
              {props.refused.issues.length ? (
                props.refused.issues.map((i) => (
                  <li>
                    {labelOf(i.field)}: {i.message}
                  </li>
                ))
              ) : (
                <li>{props.refused.message}</li>
              )}
            </ul>
          </div>
        ) : null}
        <label for="article">Article</label>
        <select id="article" name="article" aria-invalid={wrong('article')}>
          {articles.map((a) => (
            <option value={a.slug} selected={a.slug === kept?.article}>
              {a.title}
            </option>
          ))}
        </select>
        <label for="subject">Subject (the article's title if empty)</label>
        <input
          id="subject"
          name="subject"
          size={70}
          maxlength={200}
          value={kept?.subject}
          aria-invalid={wrong('subject')}
        />
        <label for="note">Editor's note (optional)</label>
        <textarea id="note" name="editorNote" maxlength={5000} aria-invalid={wrong('editorNote')}>
          {kept?.editorNote ?? ''}
        </textarea>
        <fieldset>
          <legend>Topics (the article's own unless you tick others)</legend>
          {props.publication.topics.map((t) => (
            <label>
              <input
                type="checkbox"
                name="topics"
                value={t.id}
                checked={kept?.topics?.includes(t.id)}
              />{' '}
              {t.label}
            </label>
          ))}
        </fieldset>
        <input type="hidden" name="audience-offered" value="1" />
        <fieldset>
          <legend>Readers who chose (at least one)</legend>
          {Object.values(Frequencies).map((f) => (
            <label>
              <input
                type="checkbox"
                name="frequencies"
                value={f}
                checked={frequenciesTicked.includes(f)}
              />{' '}
              {frequencyLabels[f]}
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
