import { type AuditEntry, describeAction, erasesReader } from '../../../core/access/audit.js';
import { When } from './when.js';

/** Where an entry's target is shown, when it has a page: an issue, a subscriber. */
function targetLink(entry: AuditEntry) {
  // An erased reader is named nowhere, here neither: what was done stays, not to whom.
  if (entry.targetErased || erasesReader(entry.action)) return 'an erased reader';
  if (!entry.target) return '—';
  if (/\/issues\/:id/.test(entry.action))
    return <a href={`/admin/issues/${entry.target}`}>{entry.target}</a>;
  if (/\/subscribers\/:id/.test(entry.action))
    return <a href={`/admin/subscribers/${entry.target}`}>{entry.target}</a>;
  return <code>{entry.target}</code>;
}

/** The editors' audit trail, newest first. */
export function AuditList(props: { entries: AuditEntry[] }) {
  if (!props.entries.length)
    return (
      <p class="empty" data-testid="no-audit">
        No editor has changed anything yet. Signing in, sending, pausing, cancelling, erasing,
        suppressing and every other change will be listed here, with who did it and when.
      </p>
    );
  return (
    <>
      <p>
        Every change an editor made in the last year, newest first: in the workspace, through the
        API, or with the CLI. Reads are not listed.
      </p>
      {/* Focusable: on a phone the table scrolls sideways, and a keyboard must reach it. */}
      <table data-testid="audit" tabindex={0} aria-label="Audit trail">
        <thead>
          <tr>
            <th>When</th>
            <th>Who</th>
            <th>What</th>
            <th>On</th>
            <th>Through</th>
          </tr>
        </thead>
        <tbody>
          {props.entries.map((e) => (
            <tr>
              <td>
                <When at={e.at} />
              </td>
              <td>
                {e.actor} {e.via === 'cli' ? null : <code>{e.keyPrefix}…</code>}
              </td>
              <td>{describeAction(e.action)}</td>
              <td>{targetLink(e)}</td>
              <td>{e.via === 'api' ? 'the API' : e.via === 'cli' ? 'the CLI' : 'the workspace'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
