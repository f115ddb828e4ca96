import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { editorsOf } from '../../../core/access/api-keys.js';
import { publishedArticles } from '../../../core/content/article.js';
import { ambiguousReaders } from '../../../core/issues/ambiguous.js';
import { failedReaders } from '../../../core/issues/failed-readers.js';
import { issueReport } from '../../../core/issues/manage-issues.js';
import { currentHold } from '../../../core/issues/sending-hold.js';
import { previewIssue } from '../../../core/issues/preview.js';
import type { AdminDeps } from '../deps.js';
import type { Refused as RefusedForm } from '../pages/form-problems.js';
import { IssuePage } from '../pages/issue.js';
import type { Refused } from '../pages/issue-fields.js';
import { noticeOf, page, type WorkspaceEnv } from './page.js';

/**
 * One issue's page; after a refused edit, with the edit form as it was typed and what was wrong
 * (the status says what: 422 for a field, 409 for an issue that moved on), and after a refused
 * schedule, with the time as it was typed.
 */
export async function showIssue(
  deps: AdminDeps,
  c: Context<WorkspaceEnv>,
  refused?: Refused,
  status: ContentfulStatusCode = 200,
  /** A schedule form posted with a time that cannot be scheduled, kept. */
  refusedSchedule?: RefusedForm,
) {
  const report = await issueReport(deps, c.req.param('id') ?? '');
  const hold = await currentHold(deps);
  return page(
    c,
    report.issue.subject,
    <IssuePage
      hold={hold}
      report={report}
      links={await deps.engagement.links(report.issue.id)}
      ambiguous={(await ambiguousReaders(deps, report.issue.id)).readers}
      failed={await failedReaders(deps, report.failures)}
      preview={await previewIssue(deps, report.issue)}
      csrf={c.get('session').csrf}
      notice={noticeOf(c)}
      now={deps.clock.now()}
      refusedSchedule={refusedSchedule}
      editing={{
        articles: publishedArticles(await deps.articles.all()),
        publication: deps.publication,
        refused,
      }}
      testSend={{ editors: await editorsOf(deps), sender: c.get('key') }}
    />,
    status,
    report.issue.state === 'sending' ? 3 : undefined,
  );
}
