import type { RevisionSummary, WorkspaceArticle } from '../../../core/articles/article.js';
import { ActionButton, Csrf } from '../layout.js';
import type { Refused } from './form-problems.js';
import { Badge, When } from './when.js';

const stateWords: Record<WorkspaceArticle['state'], string> = {
  draft: 'A draft: readers see nothing of it.',
  scheduled: 'Scheduled: it appears by itself at the time below.',
  published: 'Published: on the site, in the archive and in the feeds.',
  unpublished: 'Unpublished: off the site and the feeds; its address stays reserved.',
};

/**
 * A saved article's state and what can be done with it: publish, schedule (a time in UTC, as the
 * issues' schedule form), unpublish, its history. A viewer sees the state only.
 */
export function ArticleStatePanel(props: {
  article: WorkspaceArticle;
  csrf: string;
  canEdit: boolean;
  refusedSchedule?: Refused | undefined;
}) {
  const { article: a, csrf, refusedSchedule } = props;
  const base = `/admin/articles/${a.slug}`;
  const version = { version: String(a.version) };
  return (
    <section aria-labelledby="state-heading" class="card">
      <h2 id="state-heading">
        State: <Badge state={a.state} />
      </h2>
      <p data-testid="article-state">{stateWords[a.state]}</p>
      {a.state === 'scheduled' ? (
        <p>
          Appears at <When at={a.publishAt} />.
        </p>
      ) : null}
      <p>
        Version {a.version}, saved by {a.updatedBy} <When at={a.updatedAt} />.{' '}
        <a href={`${base}/history`}>History</a>
        {a.state === 'published' ? (
          <>
            {' · '}
            <a href={`/articles/${a.slug}`}>The web page</a>
          </>
        ) : null}
      </p>
      {props.canEdit ? (
        <div class="actions">
          {a.state !== 'published' ? (
            <ActionButton action={`${base}/publish`} csrf={csrf} label="Publish" fields={version} />
          ) : null}
          {a.state === 'published' || a.state === 'scheduled' ? (
            <ActionButton
              action={`${base}/unpublish`}
              csrf={csrf}
              label="Unpublish"
              kind="danger"
              fields={version}
            />
          ) : null}
          {a.state !== 'published' ? (
            <form method="post" action={`${base}/schedule`}>
              <Csrf token={csrf} />
              <input type="hidden" name="version" value={String(a.version)} />
              <label for="article-at">Publish at (UTC)</label>
              <input
                id="article-at"
                type="datetime-local"
                name="at"
                required
                value={refusedSchedule?.input.at}
                aria-invalid={refusedSchedule ? 'true' : undefined}
                aria-describedby={refusedSchedule ? 'article-at-problem' : undefined}
              />
              {refusedSchedule ? (
                <p class="error" role="alert" id="article-at-problem">
                  Publish at: {refusedSchedule.problems[0]?.message ?? refusedSchedule.message}.
                </p>
              ) : null}
              <button type="submit" class="secondary">
                Schedule
              </button>
            </form>
          ) : null}
        </div>
      ) : null}
    </section>
  );
}

/** Every save, newest first: who, when, what changed; each one can be read, and restored. */
export function RevisionList(props: { slug: string; revisions: RevisionSummary[] }) {
  return (
    <table>
      <thead>
        <tr>
          <th>Revision</th>
          <th>Saved</th>
          <th>By</th>
          <th>What changed</th>
          <th>State after</th>
        </tr>
      </thead>
      <tbody>
        {props.revisions.map((r) => (
          <tr>
            <td>
              <a href={`/admin/articles/${props.slug}/history/${r.number}`}>Revision {r.number}</a>
            </td>
            <td>
              <When at={r.at} />
            </td>
            <td>{r.by}</td>
            <td>{r.change}</td>
            <td>
              <Badge state={r.state} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
