import type { AmbiguousReader } from '../../../core/issues/ambiguous.js';
import type { AmbiguousResolution, Resolution } from '../../../core/issues/issue.js';
import { Csrf } from '../layout.js';

/** What each decision does, said before it is made: both are irreversible. */
export const consequences: Record<Resolution, (address: string) => string> = {
  delivered: (address) => `Mark as delivered: ${address} will never be sent this issue.`,
  release: (address) =>
    `Send again: ${address} may receive it twice if SES did deliver it. A finished issue is reopened for its released readers only.`,
};
const labels: Record<Resolution, string> = {
  delivered: 'Mark as delivered',
  release: 'Send again',
};
const addressOf = (r: { email?: string; subscriberId: string }) =>
  r.email ?? `subscriber ${r.subscriberId} (erased)`;

/** The issue's ambiguous readers by address, each with the two decisions (each asks to confirm first). */
export function AmbiguousReaders(props: {
  issueId: string;
  readers: AmbiguousReader[];
  resolutions: AmbiguousResolution[];
  csrf: string;
}) {
  const { issueId, readers, csrf } = props;
  return (
    <div class="card" data-testid="ambiguous">
      <h2>Ambiguous readers</h2>
      {readers.length ? (
        <p>SES's answer to these sends proved nothing; they are never resent unless you decide.</p>
      ) : null}
      <ul>
        {readers.map((r) => (
          <li>
            <strong>{addressOf(r)}</strong>
            {r.claimedAt ? `, claimed ${r.claimedAt}` : ''}: {r.why}
            {(['delivered', 'release'] as const).map((resolution) => (
              <form
                method="post"
                action={`/admin/issues/${issueId}/ambiguous/${r.subscriberId}/confirm`}
              >
                <Csrf token={csrf} />
                <input type="hidden" name="resolution" value={resolution} />
                <button type="submit" class="secondary">
                  {labels[resolution]}
                </button>
              </form>
            ))}
          </li>
        ))}
      </ul>
      {props.resolutions.length ? (
        <>
          <h3>Decided</h3>
          <ul>
            {props.resolutions.map((r) => (
              <li>
                {r.subscriberId}: {labels[r.resolution].toLowerCase()} by {r.by} at {r.at} (
                {r.reason})
                {r.resolution === 'release'
                  ? r.resent
                    ? `; sent again: ${r.resent.outcome}${r.resent.detail ? ` (${r.resent.detail})` : ''}`
                    : '; waiting to be sent'
                  : ''}
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </div>
  );
}

/** The confirmation step: nothing has changed yet; the editor says why and confirms. */
export function ConfirmResolution(props: {
  issueId: string;
  reader: AmbiguousReader;
  resolution: Resolution;
  csrf: string;
}) {
  const { issueId, reader, resolution } = props;
  return (
    <form
      method="post"
      action={`/admin/issues/${issueId}/ambiguous/${reader.subscriberId}`}
      class="card"
    >
      <Csrf token={props.csrf} />
      <p class="error" role="alert" data-testid="consequence">
        {consequences[resolution](addressOf(reader))}
      </p>
      <input type="hidden" name="resolution" value={resolution} />
      <label for="reason">Why (kept with the decision)</label>
      <input id="reason" name="reason" size={60} maxlength={500} required />
      <button type="submit" class="danger">
        {labels[resolution]}
      </button>{' '}
      <a href={`/admin/issues/${issueId}`}>Cancel: change nothing</a>
    </form>
  );
}
