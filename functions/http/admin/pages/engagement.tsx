import type { LinkEngagement } from '../../../core/ports.js';
import type { ReaderIssueHistory } from '../../../core/subscribers/engagement-history.js';
import { When } from './when.js';
import { isHiddenLink } from '../../../core/events/engagement.js';

/** An issue's links: readers' clicks, the readers who clicked, and scanners' clicks apart. */
export function LinkTable(props: { links: LinkEngagement[] }) {
  if (props.links.length === 0) return <p>No link clicked yet.</p>;
  return (
    <table data-testid="links">
      <caption>
        Clicks by link (scanners: within 10 s of delivery, a scanner's user agent, or after the
        hidden link)
      </caption>
      <thead>
        <tr>
          <th scope="col">Link</th>
          <th scope="col">Clicks</th>
          <th scope="col">Readers</th>
          <th scope="col">Scanners' clicks</th>
        </tr>
      </thead>
      <tbody>
        {props.links.map((l) => (
          <tr>
            <td>
              {isHiddenLink(l.link) ? (
                <>
                  The hidden link (no reader can see it) <code>{l.link}</code>
                </>
              ) : (
                <code>{l.link}</code>
              )}
            </td>
            <td>{l.clicks}</td>
            <td>{l.uniqueClickers}</td>
            <td>{l.botClicks}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A reader's issues: sent, delivered, opened, each link clicked and when. */
export function ReaderHistory(props: { issues: ReaderIssueHistory[] }) {
  if (props.issues.length === 0) return <p>None yet.</p>;
  return (
    <table data-testid="reader-history">
      <thead>
        <tr>
          <th scope="col">Issue</th>
          <th scope="col">Sent</th>
          <th scope="col">Delivered</th>
          <th scope="col">Opened</th>
          <th scope="col">Clicked</th>
        </tr>
      </thead>
      <tbody>
        {props.issues.map((e) => (
          <tr>
            <td>
              <a href={`/admin/issues/${e.issueId}`}>{e.issueId}</a>
              {e.messageId ? (
                <>
                  <br />
                  <code>{e.messageId}</code>
                </>
              ) : null}
            </td>
            <td>{e.sentAt ? <When at={e.sentAt} /> : '–'}</td>
            <td>{e.deliveredAt ? <When at={e.deliveredAt} /> : '–'}</td>
            <td>
              {e.openedAt ? (
                <>
                  <When at={e.openedAt} />
                  {e.opens > 1 ? ` (${e.opens} times)` : ''}
                </>
              ) : (
                '–'
              )}
            </td>
            <td>
              {e.clicks.length ? (
                <ul>
                  {e.clicks.map((click) => (
                    <li>
                      <code>{click.link}</code> <When at={click.at} />
                    </li>
                  ))}
                </ul>
              ) : (
                '–'
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
