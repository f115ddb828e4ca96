import type { EditableField, FieldValue, IssueEdit } from '../../../core/issues/issue.js';
import type { Publication } from '../../../core/publication.js';
import type { Frequency } from '../../../core/subscribers/subscriber.js';
import { labelOf } from './issue-fields.js';
import { When } from './when.js';

/** Frequencies as a list reads them ("every article, daily digests"). */
const frequencyNames: Record<Frequency, string> = {
  immediate: 'every article',
  daily: 'daily digests',
  weekly: 'weekly digests',
};

/** A field's value as the editor chose it: topics and frequencies by their labels, text quoted. */
function shown(publication: Publication, field: EditableField, value: FieldValue) {
  if (value === undefined || value.length === 0) return '(none)';
  if (!Array.isArray(value)) return `“${value}”`;
  const label = (v: string) =>
    field === 'topics'
      ? (publication.topics.find((t) => t.id === v)?.label ?? v)
      : (frequencyNames[v as Frequency] ?? v);
  return value.map(label).join(', ');
}

/** Who changed what of the issue before it started, and when, oldest first. */
export function IssueHistory(props: {
  history: IssueEdit[] | undefined;
  publication: Publication;
}) {
  if (!props.history?.length) return null;
  return (
    <div class="card">
      <h2 id="history">History</h2>
      <table aria-labelledby="history" data-testid="history">
        <thead>
          <tr>
            <th>When</th>
            <th>Who</th>
            <th>What changed</th>
          </tr>
        </thead>
        <tbody>
          {props.history.map((edit) => (
            <tr>
              <td>
                <When at={edit.at} />
              </td>
              <td>{edit.by}</td>
              <td>
                <ul>
                  {edit.changes.map((c) => (
                    <li>
                      {labelOf(c.field)}: {shown(props.publication, c.field, c.from)} →{' '}
                      {shown(props.publication, c.field, c.to)}
                    </li>
                  ))}
                </ul>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
