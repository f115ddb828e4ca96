import type { DigestFrequency } from '../../../core/issues/issue.js';
import type { Segment } from '../../../core/segments/segment.js';
import { Csrf } from '../layout.js';
import { FormProblems, invalid, type Refused } from './form-problems.js';

export type DigestChoice = Record<DigestFrequency, Segment | null>;
export const digestSegmentLabels = {
  'digest-daily': 'Daily digest',
  'digest-weekly': 'Weekly digest',
};

/**
 * Who each digest goes to: all the frequency's readers, or those of one segment. Each digest
 * copies the segment's rules when it starts; one set cannot be deleted.
 */
export function DigestSegments(props: {
  segments: Segment[];
  current: DigestChoice;
  csrf: string;
  refused?: Refused | undefined;
}) {
  const refused = props.refused?.input['digest-daily'] !== undefined ? props.refused : undefined;
  const chosen = (f: DigestFrequency) =>
    refused?.input[`digest-${f}`] ?? props.current[f]?.id ?? '';
  return (
    <section aria-labelledby="digests-heading">
      <h2 id="digests-heading">Digests</h2>
      <p>
        A digest goes to every reader of its frequency, or only to those of them in a segment
        (readers outside it get no digest). A segment that reaches none of them is refused.
      </p>
      <form method="post" action="/admin/segments/digests">
        <Csrf token={props.csrf} />
        <FormProblems
          refused={refused}
          what="Not changed"
          labels={digestSegmentLabels}
          id="digest-problems"
        />
        {(['daily', 'weekly'] as const).map((f) => (
          <>
            <label for={`digest-${f}`}>{`The ${f} digest goes to`}</label>
            <select
              id={`digest-${f}`}
              name={`digest-${f}`}
              aria-invalid={invalid(refused, `digest-${f}`)}
            >
              <option value="">all its readers</option>
              {props.segments.map((s) => (
                <option value={s.id} selected={chosen(f) === s.id}>
                  {`the segment "${s.name}"`}
                </option>
              ))}
            </select>
          </>
        ))}
        <div class="actions">
          <button type="submit" class="secondary">
            Save digests' audience
          </button>
        </div>
      </form>
    </section>
  );
}
