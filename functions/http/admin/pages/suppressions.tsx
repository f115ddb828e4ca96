import type { AdminDeps } from '../deps.js';
import { Csrf } from '../layout.js';
import { FormProblems, invalid, type Refused } from './form-problems.js';
import { When } from './when.js';

type Entries = Awaited<ReturnType<AdminDeps['directory']['suppressions']>>;

/** The suppression list: add with a reason, remove with a reason. */
export function SuppressionList(props: {
  entries: Entries;
  csrf: string;
  notice: string | undefined;
  /** A refused form, kept: the add form's, or one row's removal (`removing`). */
  refused?: (Refused & { removing: boolean }) | undefined;
}) {
  const { entries, csrf, notice } = props;
  const adding = props.refused?.removing ? undefined : props.refused;
  const removing = (email: string) =>
    props.refused?.removing && props.refused.input.email === email ? props.refused : undefined;
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
                    <FormProblems
                      refused={removing(e.email)}
                      what="Not removed"
                      labels={{ reason: 'Reason for removing', email: 'Address' }}
                      id={`why-problems-${e.key}`}
                    />
                    <input type="hidden" name="email" value={e.email} />
                    <label class="visually-hidden" for={`why-${e.key}`}>
                      Reason for removing
                    </label>
                    <input
                      id={`why-${e.key}`}
                      name="reason"
                      required
                      placeholder="Why (required)"
                      value={removing(e.email)?.input.reason}
                      aria-invalid={invalid(removing(e.email), 'reason')}
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
        <FormProblems
          refused={adding}
          what="Not suppressed"
          labels={{ email: 'Address', reason: 'Reason' }}
          id="sup-problems"
        />
        <div>
          <label for="sup-email">Address</label>
          <input
            id="sup-email"
            name="email"
            type="email"
            required
            value={adding?.input.email}
            aria-invalid={invalid(adding, 'email')}
          />
        </div>
        <div>
          <label for="sup-reason">Reason</label>
          <input
            id="sup-reason"
            name="reason"
            required
            value={adding?.input.reason}
            aria-invalid={invalid(adding, 'reason')}
          />
        </div>
        <button type="submit">Suppress</button>
      </form>
    </>
  );
}
