import { totalLabel } from '../../../core/issues/issue.js';
import type { SendingHold } from '../../../core/issues/sending-hold.js';
import type { issueReport } from '../../../core/issues/manage-issues.js';
import type { AmbiguousReader } from '../../../core/issues/ambiguous.js';
import type { FailedReader } from '../../../core/issues/failed-readers.js';
import type { LinkEngagement } from '../../../core/ports.js';
import { ActionButton, Csrf } from '../layout.js';
import { AbTestReport } from './ab-test.js';
import { LinkTable } from './engagement.js';
import { AmbiguousReaders } from './ambiguous.js';
import { EmailPreview, type Preview } from './email-preview.js';
import type { Refused } from './form-problems.js';
import { PaceLine } from './issue-pace.js';
import { IssueEdit, type IssueEditing } from './issue-edit.js';
import { IssueHistory } from './issue-history.js';
import { TestSendForm, type TestSending } from './test-send.js';
import { HoldNotice } from './sending-hold.js';
import { Badge, When } from './when.js';

/** One issue: its progress while sending, its report afterwards, its actions and its preview. */
export function IssuePage(props: {
  report: Awaited<ReturnType<typeof issueReport>>;
  /** Each link's clicks (issueEngagement). */
  links: LinkEngagement[];
  ambiguous: AmbiguousReader[];
  /** The report's failures, with the readers' addresses (`failedReaders`). */
  failed: FailedReader[];
  preview: Preview;
  csrf: string;
  notice: string | undefined;
  /** The request's time, for the rate and time left. */
  now: Date;
  /** The schedule form as it was refused: the time typed (`at`), and why not. */
  refusedSchedule?: Refused | undefined;
  editing: IssueEditing;
  testSend: TestSending;
  /** The sending hold, when an SES reputation alarm set one: said above everything else. */
  hold?: SendingHold | undefined;
}) {
  const { report, csrf, notice } = props;
  const { issue, counts, engagement } = report;
  const done = counts.sent + counts.skipped + counts.failed + counts.suppressed + counts.ambiguous;
  const total = Math.max(issue.total ?? 0, done);
  return (
    <>
      <HoldNotice hold={props.hold} csrf={csrf} />
      {notice ? (
        <p class="notice" role="status">
          {notice}
        </p>
      ) : null}
      <div class="card">
        <p>
          <strong>State:</strong>{' '}
          <span data-testid="state">
            <Badge state={issue.state} />
          </span>
          {issue.pause
            ? ` (${issue.pause.reason}${issue.pause.message ? `: ${issue.pause.message}` : ''})`
            : ''}
          {issue.scheduledAt && issue.state === 'scheduled' ? (
            <>
              , for <When at={issue.scheduledAt} />
            </>
          ) : null}
        </p>
        <p>
          <strong>Audience:</strong> {issue.audience.topics.join(', ')};{' '}
          {issue.audience.frequencies.join(', ')}
          {issue.segment ? (
            <>
              {' '}
              · <strong>Segment:</strong> {issue.segment.name} (its rules as they were when this
              issue was made)
            </>
          ) : null}{' '}
          · <strong>Recipients:</strong>{' '}
          <span data-testid="recipients">{totalLabel(issue) ?? 'counted when sending starts'}</span>
        </p>
        <div
          class="bar"
          role="progressbar"
          aria-label="Progress"
          aria-valuemin={0}
          aria-valuemax={total}
          aria-valuenow={done}
        >
          <span style={`width:${total ? Math.round((100 * done) / total) : 0}%`} />
        </div>
        <p data-testid="progress">
          {counts.sent} sent · {counts.skipped} skipped · {counts.failed} failed ·{' '}
          {counts.suppressed} suppressed · {counts.ambiguous} ambiguous · {report.remaining}{' '}
          remaining
          {report.pendingResend ? ` (${report.pendingResend} released, to be sent again)` : ''}
        </p>
        <PaceLine issue={issue} done={done} remaining={report.remaining} now={props.now} />
        <p data-testid="engagement">
          {engagement.delivered} delivered · {engagement.bounced} bounced · {engagement.complained}{' '}
          complained · {engagement.opened} opens by {engagement.uniqueOpened} readers ·{' '}
          {engagement.clicked} clicks by {engagement.uniqueClicked} readers · scanners and bots
          apart: {engagement.botOpened} opens, {engagement.botClicked} clicks
        </p>
        <LinkTable links={props.links} />
        {report.abTest ? <AbTestReport report={report.abTest} /> : null}
        {props.failed.length ? (
          <ul>
            {props.failed.map((f) => (
              <li>
                {f.email ? (
                  <a href={`/admin/subscribers/${f.subscriberId}`}>{f.email}</a>
                ) : (
                  'an erased reader'
                )}
                : {f.reason}
              </li>
            ))}
          </ul>
        ) : null}
      </div>
      {props.ambiguous.length || report.resolutions.length ? (
        <AmbiguousReaders
          issueId={issue.id}
          readers={props.ambiguous}
          resolutions={report.resolutions}
          csrf={csrf}
        />
      ) : null}
      <div class="actions">
        {issue.state === 'draft' || issue.state === 'scheduled' ? (
          <form method="post" action={`/admin/issues/${issue.id}/schedule`} class="card">
            <Csrf token={csrf} />
            <label for="at">Send at (UTC)</label>
            <input
              id="at"
              type="datetime-local"
              name="at"
              required
              value={props.refusedSchedule?.input.at}
              aria-invalid={props.refusedSchedule ? 'true' : undefined}
              aria-describedby={props.refusedSchedule ? 'at-problem' : undefined}
            />
            {props.refusedSchedule ? (
              <p class="error" role="alert" id="at-problem">
                Send at:{' '}
                {props.refusedSchedule.problems[0]?.message ?? props.refusedSchedule.message}.
              </p>
            ) : null}
            <button type="submit">Schedule</button>
          </form>
        ) : null}
        {issue.state === 'draft' || issue.state === 'scheduled' ? (
          <ActionButton action={`/admin/issues/${issue.id}/send`} csrf={csrf} label="Send now" />
        ) : null}
        {issue.state === 'sending' || issue.state === 'scheduled' ? (
          <ActionButton
            action={`/admin/issues/${issue.id}/pause`}
            csrf={csrf}
            label="Pause"
            kind="secondary"
          />
        ) : null}
        {issue.state === 'paused' ? (
          <ActionButton action={`/admin/issues/${issue.id}/resume`} csrf={csrf} label="Resume" />
        ) : null}
        {['draft', 'scheduled', 'sending', 'testing', 'paused'].includes(issue.state) ? (
          <ActionButton
            action={`/admin/issues/${issue.id}/cancel`}
            csrf={csrf}
            label="Cancel"
            kind="danger"
          />
        ) : null}
      </div>
      <IssueEdit issue={issue} csrf={csrf} {...props.editing} />
      <IssueHistory history={issue.history} publication={props.editing.publication} />
      <TestSendForm issueId={issue.id} csrf={csrf} {...props.testSend} />
      <EmailPreview preview={props.preview} />
    </>
  );
}
