import type { OutboxEntry } from '../../../core/outbox/entry.js';
import type { importView } from '../../../core/subscribers/import-jobs.js';

type ImportView = ReturnType<typeof importView>;
import type { Subscriber } from '../../../core/subscribers/subscriber.js';
import type { ReaderIssueHistory } from '../../../core/subscribers/engagement-history.js';
import { displayValue, type FieldDefinition } from '../../../core/subscribers/fields.js';
import { ActionButton } from '../layout.js';
import { ReaderHistory } from './engagement.js';
import { Badge, When } from './when.js';

/** One reader: state, name and fields, consent, the issues they received, opened and clicked, export and erasure. */
export function SubscriberPage(props: {
  s: Subscriber;
  history: ReaderIssueHistory[];
  csrf: string;
  fields: readonly FieldDefinition[];
}) {
  const { s, history, csrf } = props;
  return (
    <>
      <div class="card">
        <p>
          <strong>State:</strong> <Badge state={s.state} /> · <strong>Topics:</strong>{' '}
          {s.topics.join(', ')} · <strong>Frequency:</strong> {s.frequency}
        </p>
        <h2>Name and fields</h2>
        <dl data-testid="reader-fields">
          <dt>Name</dt>
          <dd>{s.name ?? '(none given)'}</dd>
          {props.fields.map((f) => (
            <>
              <dt>{`${f.label}${f.visibility === 'editor' ? ' (editors only)' : ''}`}</dt>
              <dd>{s.fields?.[f.key] === undefined ? '(none)' : displayValue(s.fields[f.key])}</dd>
            </>
          ))}
        </dl>
        <h2>Consent</h2>
        <p>
          Asked <When at={s.consent.at} /> through the {s.consent.form} form
          {s.consent.ip ? ` from ${s.consent.ip}` : ''}
          {s.consent.userAgent ? ` (${s.consent.userAgent})` : ''}.
          {s.consent.source ? ` Source: ${s.consent.source}.` : ''}
        </p>
        <p>
          {s.consent.confirmedAt ? (
            <>
              Confirmed <When at={s.consent.confirmedAt} />
              {s.consent.confirmIp ? ` from ${s.consent.confirmIp}` : ''}.
            </>
          ) : (
            'Not confirmed.'
          )}
        </p>
        {s.unsubscribedAt ? (
          <p>
            Unsubscribed <When at={s.unsubscribedAt} />.
          </p>
        ) : null}
        {s.softBounces ? <p>{s.softBounces} soft bounces in a row.</p> : null}
        {s.outbox ? <OutboxLine entry={s.outbox} /> : null}
        <h2>Issues received, opened and clicked</h2>
        <ReaderHistory issues={history} />
      </div>
      <div class="actions">
        <a href={`/admin/subscribers/${s.id}/export.json`} download>
          Export this reader's data (JSON)
        </a>
        <ActionButton
          action={`/admin/subscribers/${s.id}/erase`}
          csrf={csrf}
          label="Delete for good (erasure request)"
          kind="danger"
        />
      </div>
    </>
  );
}

/** An import's progress while it runs, and its report (the rows listed are the first 500 of each). */
export function ImportReportPage({ job }: { job: ImportView }) {
  const { report } = job;
  const percent = job.size ? Math.floor((100 * job.bytesRead) / job.size) : 0;
  return (
    <>
      {job.state === 'done' ? null : (
        <div class="card" data-testid="import-progress">
          <p role="status">
            {job.state === 'failed'
              ? `The import stopped: ${job.failure ?? 'the file could not be read'}`
              : `Importing: ${percent}% of the file read (this page reloads itself).`}
          </p>
          <div class="bar">
            <span style={`width:${percent}%`} />
          </div>
        </div>
      )}
      <p class="notice" role="status" data-testid="import-summary">
        {report.imported} imported as confirmed · {report.confirmationsQueued} queued for a
        confirmation email · {report.skippedTotal} skipped · {report.errorsTotal} rows with errors
      </p>
      {report.errors.length ? (
        <>
          <h2>Rows with errors (not imported)</h2>
          <ul>
            {report.errors.map((e) => (
              <li>
                Line {e.line}: {e.issues.map((i) => `${i.field} ${i.message}`).join('; ')}
              </li>
            ))}
          </ul>
          {report.errorsTotal > report.errors.length ? (
            <p>…and {report.errorsTotal - report.errors.length} more.</p>
          ) : null}
        </>
      ) : null}
      {report.skipped.length ? (
        <>
          <h2>Skipped</h2>
          <ul>
            {report.skipped.map((s) => (
              <li>
                Line {s.line}: {s.email}: {s.reason}
              </li>
            ))}
          </ul>
          {report.skippedTotal > report.skipped.length ? (
            <p>…and {report.skippedTotal - report.skipped.length} more.</p>
          ) : null}
        </>
      ) : null}
      <p>
        <a href="/admin/subscribers">Back to subscribers</a>
      </p>
    </>
  );
}

/** The reader's latest transactional email, and why it was sent twice if it was (the outbox's note). */
function OutboxLine({ entry }: { entry: OutboxEntry }) {
  const when = entry.sentAt ?? entry.failedAt ?? entry.queuedAt;
  return (
    <p>
      <strong>Last email:</strong> {entry.kind} {entry.state} <When at={when} />
      {entry.state !== 'sent' && entry.reason ? ` (${entry.reason})` : ''}
      {entry.resent ? `. Sent again: ${entry.resent}` : ''}
      {entry.receipt ? `. Confirmed by SES's ${entry.receipt} event` : ''}
    </p>
  );
}
