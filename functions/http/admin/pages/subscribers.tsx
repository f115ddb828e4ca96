import { FieldInputs } from '../../pages/reader-fields.js';
import type { Publication } from '../../../core/publication.js';
import { Frequencies, type Subscriber } from '../../../core/subscribers/subscriber.js';
import { Csrf } from '../layout.js';
import type { ExportView } from '../../../core/subscribers/export-job.js';
import { ExportStatus } from './export.js';
import { FormProblems, invalid, type Refused } from './form-problems.js';
import { Badge, When } from './when.js';

export type SubscriberFilter = { state?: string; topic?: string; frequency?: string };

/** The next page of the same search: the cursor is a place in address order, the filters stay. */
function nextPage(cursor: string, q: string | undefined, filter: SubscriberFilter) {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries({ q, ...filter })) if (v) params.set(k, v);
  params.set('cursor', cursor);
  return params.toString();
}

/** A page of subscribers, the search that found them, and the add, import and export forms. */
export function SubscriberList(props: {
  rows: Subscriber[];
  next: string | undefined;
  q: string | undefined;
  filter: SubscriberFilter;
  notice: string | undefined;
  csrf: string;
  publication: Publication;
  /** The newest CSV export, to show its progress or its link. */
  latestExport?: ExportView;
  /** Set on a later page: an empty later page is the end of the list, not "no results". */
  cursor?: string;
  /** The add form as it was refused, kept. */
  refused?: Refused | undefined;
}) {
  const { rows, next, q, filter, notice, csrf, refused } = props;
  return (
    <>
      {notice ? (
        <p class="notice" role="status">
          {notice}
        </p>
      ) : null}
      {/* biome-ignore lint/a11y/useSemanticElements: the <search> element is too new for the browsers editors still use. */}
      <form method="get" action="/admin/subscribers" class="card actions" role="search">
        <div>
          <label for="q">Address contains</label>
          <input id="q" name="q" type="search" value={q ?? ''} />
        </div>
        <div>
          <label for="state">State</label>
          <select id="state" name="state">
            <option value="">any</option>
            {['pending', 'confirmed', 'unsubscribed', 'bounced', 'complained'].map((s) => (
              <option value={s} selected={filter.state === s}>
                {s}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label for="topic">Topic</label>
          <select id="topic" name="topic">
            <option value="">any</option>
            {props.publication.topics.map((t) => (
              <option value={t.id} selected={filter.topic === t.id}>
                {t.label}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label for="frequency">Frequency</label>
          <select id="frequency" name="frequency">
            <option value="">any</option>
            {Object.values(Frequencies).map((f) => (
              <option value={f} selected={filter.frequency === f}>
                {f}
              </option>
            ))}
          </select>
        </div>
        <button type="submit">Search</button>
      </form>
      {rows.length === 0 && next ? (
        <p class="empty" data-testid="searching">
          No match in the part of the list read so far: a search reads the list in address order, a
          part at a time. Search further to go on.
        </p>
      ) : rows.length === 0 && !props.cursor ? (
        <p class="empty" data-testid="no-results">
          {q || filter.state || filter.topic || filter.frequency ? (
            <>
              No subscriber matches this search. The address box finds addresses that hold what you
              type anywhere, whatever its case (<code>petar</code> and <code>example.org</code> both
              find <code>Petar.M@example.org</code>).
            </>
          ) : (
            <>
              No subscribers yet: readers sign up on{' '}
              <a href={`${props.publication.baseUrl}/`}>the front page</a>, or import them from a
              CSV below.
            </>
          )}
        </p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>Address</th>
              <th>Name</th>
              <th>State</th>
              <th>Topics</th>
              <th>Frequency</th>
              <th>Since</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((s) => (
              <tr>
                <td>
                  <a href={`/admin/subscribers/${s.id}`}>{s.email}</a>
                </td>
                <td>{s.name ?? ''}</td>
                <td>
                  <Badge state={s.state} />
                </td>
                <td>{s.topics.join(', ')}</td>
                <td>{s.frequency}</td>
                <td>
                  <When at={s.createdAt} date />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {next ? (
        <p>
          <a href={`/admin/subscribers?${nextPage(next, q, filter)}`}>
            {rows.length ? 'Next page' : 'Search further'}
          </a>
        </p>
      ) : null}
      <div class="grid">
        <form method="post" action="/admin/subscribers" class="card">
          <h2>Add a subscriber</h2>
          <Csrf token={csrf} />
          <FormProblems
            refused={refused}
            what="Not added"
            labels={{
              email: 'Address',
              name: 'Name',
              ...Object.fromEntries(
                (props.publication.fields ?? []).map((f) => [`fields.${f.key}`, f.label]),
              ),
            }}
            id="add-problems"
          />
          <label for="add-email">Address</label>
          <input
            id="add-email"
            name="email"
            type="email"
            required
            value={refused?.input.email}
            aria-invalid={invalid(refused, 'email')}
            aria-describedby={refused ? 'add-problems' : undefined}
          />
          {/* An editor may set every field, the editor-only ones too. */}
          <FieldInputs fields={props.publication.fields ?? []} values={typedFields(refused)} />
          <p>They get a confirmation email, as from the signup form.</p>
          <button type="submit">Add</button>
        </form>
        <form
          method="post"
          action="/admin/subscribers/import"
          enctype="multipart/form-data"
          class="card"
          data-direct-upload
        >
          <h2>Import CSV</h2>
          <Csrf token={csrf} />
          <label for="file">
            CSV file (columns: email, name, topics, frequency, consent, consent_source, and
            {'fields.<key>'} for each field)
          </label>
          <input id="file" name="file" type="file" accept=".csv,text/csv" required />
          <p>
            Rows with <code>consent=yes</code> and a <code>consent_source</code> are added as
            confirmed; every other row gets a confirmation email, sent by the next tick at SES's
            pace.
          </p>
          <button type="submit">Import</button>
          <script src="/admin/subscribers/import.js" defer />
        </form>
        <form method="post" action="/admin/exports" class="card">
          <h2>Export</h2>
          <Csrf token={csrf} />
          <p>Every subscriber as CSV, written in the background; the link appears here.</p>
          {props.latestExport ? <ExportStatus view={props.latestExport} /> : null}
          <button type="submit">Export every subscriber as CSV</button>
        </form>
      </div>
    </>
  );
}

/** A refused add form's name and `fields.<key>` inputs, to type them in again. */
function typedFields(refused: Refused | undefined) {
  if (!refused) return undefined;
  const fields = Object.fromEntries(
    Object.entries(refused.input)
      .filter(([k]) => k.startsWith('fields.'))
      .map(([k, v]) => [k.slice('fields.'.length), v]),
  );
  return { name: refused.input.name, fields };
}
