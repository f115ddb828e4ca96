import type { FieldIssue } from '../../../core/errors.js';

/** Which field was wrong and why, as the API's `issues` say it. */
export function IssuesList(props: { issues: FieldIssue[] | undefined }) {
  return props.issues?.length ? (
    <ul>
      {props.issues.map((i) => (
        <li>
          {i.field}: {i.message}
        </li>
      ))}
    </ul>
  ) : null;
}

/** The notice after a redirect (created, sent, erased...), when there is one. */
export function Notice(props: { text: string | undefined }) {
  return props.text ? (
    <p class="notice" role="status">
      {props.text}
    </p>
  ) : null;
}
