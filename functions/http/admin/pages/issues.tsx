import { AbTestFields } from './ab-test.js';
import type { Article } from '../../../core/content/article.js';
import type { Issue } from '../../../core/issues/issue.js';
import type { Publication } from '../../../core/publication.js';
import type { Segment } from '../../../core/segments/segment.js';
import { Csrf } from '../layout.js';
import { IssueFields, Refusal, type Refused } from './issue-fields.js';

export type { ComposeInput } from './issue-fields.js';
import { Badge, When } from './when.js';

/** Every issue, and the forms that start a digest or compose an issue. */
export function IssueList(props: {
  issues: Issue[];
  articles: Article[];
  csrf: string;
  publication: Publication;
  /** A refused compose form: what was typed, and each field's problem (or the message). */
  refused?: Refused;
  /** Saved segments the issue may target (none: the form offers none). */
  segments?: Segment[];
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
          <Refusal refused={props.refused} what="This draft was not created." id="compose-error" />
        ) : null}
        <IssueFields
          values={props.refused?.input ?? {}}
          refused={props.refused}
          articles={articles}
          publication={props.publication}
          idPrefix=""
          subjectLabel="Subject (the article's title if empty)"
          topicsLegend="Topics (the article's own unless you tick others)"
        />
        {props.segments?.length ? (
          <>
            <label for="compose-segment">Segment (optional)</label>
            <select
              id="compose-segment"
              name="segment"
              aria-describedby="compose-segment-hint"
              aria-invalid={
                props.refused?.issues.some((i) => i.field === 'segment') ? 'true' : undefined
              }
            >
              <option value="">None: every reader of the audience</option>
              {props.segments.map((s) => (
                <option value={s.id} selected={props.refused?.input.segment === s.id}>
                  {s.name}
                </option>
              ))}
            </select>
            <p id="compose-segment-hint">
              Only the segment's readers are sent the issue; with no topics ticked, every topic's.
              Its rules are copied onto the draft as they are now.
            </p>
          </>
        ) : null}
        <AbTestFields values={props.refused?.input ?? {}} issues={props.refused?.issues} />
        <p>
          <button type="submit">Create draft</button>
        </p>
      </form>
    </>
  );
}
