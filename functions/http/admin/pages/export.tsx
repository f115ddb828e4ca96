import type { ExportView } from '../../../core/subscribers/export-job.js';

const number = (n: number) => n.toLocaleString('en');

/** An export's state in a sentence: rows so far of the estimate, the error, or the link. */
export function ExportStatus(props: { view: ExportView }) {
  const { view } = props;
  if (view.state === 'done' && view.download)
    return (
      <p data-testid="export-status">
        Export of {number(view.rows)} subscribers ready:{' '}
        <a href={view.download.url} download={view.download.filename}>
          download {view.download.filename}
        </a>{' '}
        (this link works for 15 minutes; <a href={`/admin/exports/${view.id}`}>a fresh one</a>).
      </p>
    );
  if (view.fileGone)
    return (
      <p data-testid="export-status">
        This export's file has been deleted (files are kept 7 days): export again.
      </p>
    );
  if (view.state === 'failed')
    return (
      <p data-testid="export-status" class="error">
        The export failed after {number(view.rows)} rows: {view.error}
      </p>
    );
  return (
    <p data-testid="export-status">
      Export {view.state === 'queued' ? 'queued' : 'running'}: {number(view.rows)}
      {view.estimatedRows ? ` of about ${number(view.estimatedRows)}` : ''} subscribers so far
      {view.error ? ` (retrying: ${view.error})` : ''}.{' '}
      <a href={`/admin/exports/${view.id}`}>Follow it</a>
    </p>
  );
}

/** An export's own page: it reloads itself every few seconds until the export is finished. */
export function ExportPage(props: { view: ExportView }) {
  return (
    <div class="card">
      <h2>CSV export</h2>
      <ExportStatus view={props.view} />
      {props.view.state === 'done' || props.view.state === 'failed' ? null : (
        <p>
          This page refreshes itself; or <a href={`/admin/exports/${props.view.id}`}>reload</a>.
        </p>
      )}
      <p>
        <a href="/admin/subscribers">Back to subscribers</a>
      </p>
    </div>
  );
}
