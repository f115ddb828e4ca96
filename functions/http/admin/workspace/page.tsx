import type { Context } from 'hono';
import type { Child } from 'hono/jsx';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ApiKeyRecord } from '../../../core/access/api-keys.js';
import type { Session } from '../../../core/access/sessions.js';
import { IssueStates } from '../../../core/issues/issue.js';
import type { AppEnv } from '../../app.js';
import type { ErrorPage } from '../../errors.js';
import { AdminLayout } from '../layout.js';
import type { AdminDeps } from '../deps.js';
import { IssuesList } from '../pages/error.js';

/** A workspace request: the app's variables, and the editor's session once signed in. */
export type WorkspaceEnv = {
  Variables: AppEnv['Variables'] & { session: Session; key: ApiKeyRecord };
};
type WorkspaceContext = Context<WorkspaceEnv>;

/** A page in the workspace's layout, with the session's CSRF token in its sign-out form. */
export const page = (
  c: WorkspaceContext,
  title: string,
  body: Child,
  status: ContentfulStatusCode = 200,
  refresh?: number,
) =>
  c.html(
    <AdminLayout
      publication={c.get('deps').publication}
      title={title}
      csrf={c.get('session')?.csrf}
      editor={c.get('key')?.name}
      refresh={refresh}
    >
      {body}
    </AdminLayout>,
    status,
  );

/** After a POST: see-other, so a reload does not post again. */
export const redirect = (c: WorkspaceContext, to: string) => c.redirect(to, 303);

/** Fixed texts for the notices after a redirect: nothing from the query string reaches the page. */
const notices: Record<string, string> = {
  created: 'Issue created as a draft.',
  edited: 'Changes saved: the history below says what changed.',
  unchanged: 'Nothing to save: the form was as the issue is.',
  scheduled: 'Issue scheduled.',
  sent: 'Sending started: progress below.',
  paused: 'Issue paused.',
  resumed: 'Issue resumed.',
  held: 'Not started: sending is held (see above). The issue is paused; resume it once the hold is cleared.',
  'hold-cleared': 'Sending hold cleared. Issues the alarm paused stay paused: resume each one.',
  cancelled: 'Issue cancelled.',
  tested: 'Test email queued: it leaves within seconds (Outbox lists any it gave up on).',
  retried: 'Email queued again.',
  resolved: 'Decision recorded: the report below counts it.',
  added: 'Subscriber added; a confirmation email is on its way.',
  erased: 'Subscriber erased; only a suppression hash remains.',
  suppressed: 'Address suppressed.',
  unsuppressed: 'Address removed from the suppression list.',
  dismissed: 'Not sent: the article stays on the site and in the digests.',
  replayed: 'Endpoint enabled; its given-up deliveries are queued again, with their own event ids.',
  webhook_removed: 'Webhook endpoint removed.',
  segment_saved: 'Segment saved: its readers now are below.',
  segment_deleted: 'Segment deleted. Issues already made for it keep their copy of its rules.',
  article_created: 'Draft saved: readers see nothing of it until it is published.',
  article_saved: 'Saved: a new revision is in its history.',
  article_unchanged: 'Nothing to save: the form was as the article is.',
  article_published: 'Published: it is on the site and in the feeds now.',
  article_unpublished: 'Unpublished: it is off the site and the feeds.',
  article_scheduled: 'Scheduled: it appears by itself at the time below.',
  article_restored: 'Revision restored: its text is the article’s now, kept as a new revision.',
  digest_segments_saved: "Digests' audience saved: each digest from now on goes to it.",
};

export const noticeOf = (c: WorkspaceContext): string | undefined =>
  notices[c.req.query('notice') ?? ''];

/**
 * The workspace page a form was posted from, from the Referer, when it is one of ours: a path
 * under /admin on this host, never an address elsewhere (it is only ever a link, not a redirect).
 */
function formPage(c: WorkspaceContext): string | undefined {
  const referer = c.req.header('referer');
  if (!referer) return undefined;
  try {
    const from = new URL(referer);
    const here = new URL(c.req.url);
    return from.host === here.host && /^\/admin(\/|$)/.test(from.pathname)
      ? `${from.pathname}${from.search}`
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A domain error in the workspace: the status the API would answer, in the workspace's layout,
 * said once (each field's problem, or the message when there are none) with a way back to the
 * form it came from.
 */
export const workspaceErrorPage: ErrorPage = (c, error, status) => {
  const back = formPage(c as WorkspaceContext);
  const issues = error.details.issues;
  return page(
    c as WorkspaceContext,
    'That did not work',
    <>
      <div class="error" role="alert">
        {issues?.length ? <p>Please correct:</p> : <p>{error.message}</p>}
        <IssuesList issues={issues} />
      </div>
      <p>
        {back ? <a href={back}>Back to the form</a> : null}
        {back ? ' · ' : null}
        <a href="/admin">Back to the dashboard</a>
      </p>
    </>,
    status,
  );
};

/** Every issue, newest first: the workspace lists them all (a publication has hundreds, not millions). */
export const allIssues = async (deps: AdminDeps) =>
  (await Promise.all(Object.values(IssueStates).map((s) => deps.issues.listByState(s))))
    .flat()
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
