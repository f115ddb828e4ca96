import type { OutboxListing } from '../../../core/outbox/ports.js';
import { Csrf } from '../layout.js';
import { When } from './when.js';

const kinds = { confirmation: 'Confirmation', welcome: 'Welcome', test: 'Test send' } as const;

type GivenUpProps = { entries: OutboxListing[]; csrf: string; notice?: string };

/** Transactional emails the outbox gave up on, why, and a button to queue one again. */
export function GivenUpList({ entries, csrf, notice }: GivenUpProps) {
  return (
    <>
      <p>
        Confirmations, welcomes and test sends are retried until their link would expire (48 hours);
        an interrupted send is settled by SES's own receipt, or sent again when none comes within
        minutes. These were not sent: check the reason before trying again.
      </p>
      {notice && (
        <p class="notice" role="status">
          {notice}
        </p>
      )}
      {entries.length === 0 ? (
        <p>Nothing given up.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>To</th>
              <th>Email</th>
              <th>Reason</th>
              <th>Given up</th>
              <th></th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <tr>
                <td>{e.to}</td>
                <td>{kinds[e.entry.kind]}</td>
                <td>{e.entry.reason}</td>
                <td>
                  <When at={e.entry.failedAt} />
                </td>
                <td>
                  <form method="post" action="/admin/outbox/retry" class="actions">
                    <Csrf token={csrf} />
                    <input type="hidden" name="holder" value={e.holder} />
                    <input type="hidden" name="id" value={e.id} />
                    <button type="submit" class="secondary">
                      Try again
                    </button>
                  </form>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
