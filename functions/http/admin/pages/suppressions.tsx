import type { AdminDeps } from '../deps.js';
import { Csrf } from '../layout.js';
import { When } from './when.js';

type Entries = Awaited<ReturnType<AdminDeps['directory']['suppressions']>>;

/** The suppression list: add with a reason, remove with a reason. */
export function SuppressionList(props: {
  entries: Entries;
  csrf: string;
  notice: string | undefined;
}) {
  const { entries, csrf, notice } = props;
  return (
    <>
      {notice ? (
        <p class="notice" role="status">
          {notice}
        </p>
      ) : null}
      <p>
        Addresses here are never mailed, whatever brings them back. Erased readers appear only as a
        hash.
      </p>
      <table>
        <thead>
          <tr>
            <th>Address</th>
            <th>Reason</th>
            <th>Since</th>
            <th>Actions</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((e) => (
            <tr>
              <td>{e.email ?? <em>erased ({e.key.slice(0, 10)}…)</em>}</td>
              <td>{e.reason}</td>
              <td>
                <When at={e.at} />
              </td>
              <td>
                {e.email ? (
                  <form method="post" action="/admin/suppressions/remove" class="actions">
                    <Csrf token={csrf} />
                    <input type="hidden" name="email" value={e.email} />
                    <label class="visually-hidden" for={`why-${e.key}`}>
                      Reason for removing
                    </label>
                    <input
                      id={`why-${e.key}`}
                      name="reason"
                      required
                      placeholder="Why (required)"
                    />
                    <button type="submit" class="secondary">
                      Remove
                    </button>
                  </form>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form method="post" action="/admin/suppressions" class="card actions">
        <Csrf token={csrf} />
        <div>
          <label for="sup-email">Address</label>
          <input id="sup-email" name="email" type="email" required />
        </div>
        <div>
          <label for="sup-reason">Reason</label>
          <input id="sup-reason" name="reason" required />
        </div>
        <button type="submit">Suppress</button>
      </form>
    </>
  );
}
