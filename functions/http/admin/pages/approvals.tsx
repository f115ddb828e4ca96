import type { DecidedArticle } from '../../../core/issues/approvals.js';
import { Csrf } from '../layout.js';
import { When } from './when.js';

/** An article waiting for approval, with what approving it sends to whom (said by the handler). */
export type WaitingRow = { slug: string; title: string; publishedAt: string; says: string };

/**
 * The articles waiting for approval, each with its two buttons; both ask first. Nothing here is
 * mailed until an editor approves it: the list says so, so no one wonders why readers got nothing.
 */
export function WaitingArticles(props: { rows: WaitingRow[]; csrf: string }) {
  return (
    <section class="card" aria-labelledby="waiting">
      <h2 id="waiting">Waiting for approval</h2>
      {props.rows.length === 0 ? (
        <p>
          No new article is waiting. A new article in content/ waits here until an editor approves
          it, unless its front matter says <code>sendWhenPublished: true</code>.
        </p>
      ) : (
        <>
          <p>
            These new articles are on the site and go into the digests; their own email to readers
            who chose every article waits for your approval.
          </p>
          <table>
            <thead>
              <tr>
                <th>Article</th>
                <th>Published</th>
                <th>What approving does</th>
                <th></th>
              </tr>
            </thead>
            <tbody>
              {props.rows.map((row) => (
                <tr data-testid={`waiting-${row.slug}`}>
                  <td>
                    <a href={`/admin/articles/${row.slug}`}>{row.title}</a>
                  </td>
                  <td>
                    <When at={row.publishedAt} />
                  </td>
                  <td>{row.says}</td>
                  <td class="actions">
                    <form method="post" action={`/admin/articles/${row.slug}/approve`}>
                      <Csrf token={props.csrf} />
                      <button type="submit">Approve and send</button>
                    </form>
                    <form method="post" action={`/admin/articles/${row.slug}/dismiss`}>
                      <Csrf token={props.csrf} />
                      <button type="submit" class="secondary">
                        Don't send
                      </button>
                    </form>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}

/** The latest decisions: who approved or dismissed which article, and when. */
export function DecidedArticles(props: { decided: DecidedArticle[]; csrf: string }) {
  if (props.decided.length === 0) return null;
  return (
    <section class="card" aria-labelledby="decided">
      <h2 id="decided">Recent decisions on new articles</h2>
      <table>
        <thead>
          <tr>
            <th>Article</th>
            <th>Decision</th>
            <th>By</th>
            <th>When</th>
          </tr>
        </thead>
        <tbody>
          {props.decided.map((d) => (
            <tr data-testid={`decided-${d.slug}`}>
              <td>{d.title}</td>
              <td>
                {d.approval === 'dismissed' ? (
                  'Not sent as its own email (still in the digests)'
                ) : d.started === false ? (
                  // Approved, but the run died before its issue: approving again starts it.
                  <form method="post" action={`/admin/articles/${d.slug}/approve`}>
                    <Csrf token={props.csrf} />
                    Approved, not started yet: <button type="submit">Start sending it</button>
                  </form>
                ) : (
                  <a href={`/admin/issues/publish-${d.slug}`}>Approved: sent as its own issue</a>
                )}
              </td>
              <td>{d.decidedBy}</td>
              <td>
                <When at={d.decidedAt} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/** The dashboard's notice: how many wait, and where to decide. */
export function WaitingNotice(props: { count: number }) {
  if (props.count === 0) return null;
  const one = props.count === 1;
  return (
    <p class="notice" role="status" data-testid="waiting-notice">
      {one ? '1 new article is' : `${props.count} new articles are`} waiting for approval: nothing
      is mailed to readers who chose every article until an editor approves.{' '}
      <a href="/admin/articles">Review {one ? 'it' : 'them'}</a>
    </p>
  );
}
