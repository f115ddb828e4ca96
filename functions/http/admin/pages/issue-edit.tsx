import type { Article } from '../../../core/content/article.js';
import type { Issue } from '../../../core/issues/issue.js';
import type { Publication } from '../../../core/publication.js';
import { Csrf } from '../layout.js';
import { IssueFields, Refusal, type Refused } from './issue-fields.js';

/** What the issue page needs to offer an edit: the choices, and a refused edit to show again. */
export type IssueEditing = { articles: Article[]; publication: Publication; refused?: Refused };

/**
 * The edit form of a draft or a scheduled issue: the compose form's fields, filled with the
 * issue's (or, refused, with what was typed), and the version read, so an edit made on a page
 * that is out of date is refused instead of undoing someone else's. Closed until opened, unless
 * it comes back refused.
 */
export function IssueEdit(props: IssueEditing & { issue: Issue; csrf: string }) {
  const { issue, refused } = props;
  const editable = issue.state === 'draft' || issue.state === 'scheduled';
  // A refused edit stays on the page even when the issue moved on: what was typed is not lost.
  if (!editable && !refused) return null;
  const values = refused?.input ?? {
    article: issue.content.kind === 'article' ? issue.content.slug : undefined,
    subject: issue.subject,
    editorNote: issue.editorNote,
    topics: issue.audience.topics,
    frequencies: issue.audience.frequencies,
  };
  return (
    <details class="card" id="edit" open={refused ? true : undefined}>
      <summary>Edit this {issue.state === 'scheduled' ? 'scheduled issue' : 'draft'}</summary>
      <form method="post" action={`/admin/issues/${issue.id}/edit`}>
        <Csrf token={props.csrf} />
        <input type="hidden" name="version" value={String(issue.version)} />
        {refused ? <Refusal refused={refused} what="Nothing was changed." id="edit-error" /> : null}
        <IssueFields
          values={values}
          refused={refused}
          articles={issue.content.kind === 'article' ? props.articles : undefined}
          publication={props.publication}
          idPrefix="edit-"
          subjectLabel="Subject"
          topicsLegend="Topics (at least one)"
        />
        <p>
          <button type="submit">Save changes</button>
        </p>
      </form>
    </details>
  );
}
