import type { FieldIssue } from '../../../core/errors.js';

/** A form the domain refused: what was typed, and each field's problem (or only a message). */
export type Refused = { input: Record<string, string>; problems: FieldIssue[]; message: string };

/** `aria-invalid` for a field of a refused form ("email", or "topics.0" as "topics"). */
export const invalid = (refused: Refused | undefined, field: string) =>
  refused?.problems.some((p) => p.field.split('.')[0] === field) ? 'true' : undefined;

/**
 * What was wrong with a refused form, at its top, once: "Not added: Address: is not an email
 * address." Fields are named by their labels, never the API's field names.
 */
export function FormProblems(props: {
  refused: Refused | undefined;
  /** "The address was not added" */
  what: string;
  labels: Record<string, string>;
  id: string;
}) {
  const { refused } = props;
  if (!refused) return null;
  const said = refused.problems.length
    ? refused.problems.map(
        (p) =>
          `${props.labels[p.field] ?? props.labels[p.field.split('.')[0]!] ?? p.field}: ${p.message}`,
      )
    : [refused.message];
  return (
    <div class="error" role="alert" id={props.id}>
      <p>{props.what}:</p>
      <ul>
        {said.map((line) => (
          <li>{line}</li>
        ))}
      </ul>
    </div>
  );
}
