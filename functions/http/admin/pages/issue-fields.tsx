import type { AbTestInput } from './ab-test.js';
import type { Article } from '../../../core/content/article.js';
import type { FieldIssue } from '../../../core/errors.js';
import type { Publication } from '../../../core/publication.js';
import { Frequencies, frequencyLabels } from '../../../core/subscribers/subscriber.js';

/** What the editor typed in an issue's form, kept when it is refused so nothing is typed twice. */
export type ComposeInput = {
  article?: string;
  subject?: string;
  editorNote?: string;
  topics?: string[];
  frequencies?: string[];
  /** The compose form's segment (its id), if one was chosen. */
  segment?: string;
} & AbTestInput;

/** A refused form: what was typed, and each field's problem (or the message). */
export type Refused = { input: ComposeInput; issues: FieldIssue[]; message: string };

/** An issue form's fields by the names its labels give them, for saying what to correct. */
const fieldLabels: Record<string, string> = {
  article: 'Article',
  subject: 'Subject',
  editorNote: "Editor's note",
  topics: 'Topics',
  frequencies: 'Readers who chose',
  segment: 'Segment',
  abTest: 'A/B subjects',
};
export const labelOf = (field: string) => fieldLabels[field.split('.')[0] ?? ''] ?? field;

/** What was refused, said once, each problem by the field's label. */
export function Refusal(props: { refused: Refused; what: string; id: string }) {
  const { issues, message } = props.refused;
  return (
    <div class="error" role="alert" id={props.id}>
      <p>{props.what} Please correct:</p>
      <ul>
        {issues.length ? (
          issues.map((i) => (
            <li>
              {labelOf(i.field)}: {i.message}
            </li>
          ))
        ) : (
          <li>{message}</li>
        )}
      </ul>
    </div>
  );
}

/**
 * The fields an issue is created and edited with: article, subject, note, topics, frequencies,
 * filled with `values` and marked aria-invalid where `refused` names them. The same on both
 * forms, so an edit offers exactly what composing did.
 */
export function IssueFields(props: {
  values: ComposeInput;
  refused?: Refused;
  /** Undefined: no article to choose (a digest's articles are its period's). */
  articles?: Article[];
  publication: Publication;
  /** Ids unique on the page the fields are on. */
  idPrefix: string;
  subjectLabel: string;
  topicsLegend: string;
}) {
  const { values, idPrefix: p } = props;
  const wrong = (field: string) =>
    props.refused?.issues.some((i) => i.field.split('.')[0] === field) ? 'true' : undefined;
  return (
    <>
      {props.articles ? (
        <>
          <label for={`${p}article`}>Article</label>
          <select id={`${p}article`} name="article" aria-invalid={wrong('article')}>
            {props.articles.map((a) => (
              <option value={a.slug} selected={a.slug === values.article}>
                {a.title}
              </option>
            ))}
          </select>
        </>
      ) : null}
      <label for={`${p}subject`}>{props.subjectLabel}</label>
      <input
        id={`${p}subject`}
        name="subject"
        size={70}
        maxlength={200}
        value={values.subject}
        aria-invalid={wrong('subject')}
        aria-describedby={`${p}subject-hint`}
      />
      <p id={`${p}subject-hint`}>
        Each reader's name or field goes in with a merge tag and a fallback:{' '}
        <code>%%name|there%%</code>
        {(props.publication.fields ?? []).map((f) => (
          <>
            , <code>{`%%fields.${f.key}|…%%`}</code>
          </>
        ))}
        .
      </p>
      <label for={`${p}note`}>Editor's note (optional)</label>
      <textarea
        id={`${p}note`}
        name="editorNote"
        maxlength={5000}
        aria-invalid={wrong('editorNote')}
      >
        {values.editorNote ?? ''}
      </textarea>
      <fieldset>
        <legend>{props.topicsLegend}</legend>
        {props.publication.topics.map((t) => (
          <label>
            <input
              type="checkbox"
              name="topics"
              value={t.id}
              checked={values.topics?.includes(t.id)}
            />{' '}
            {t.label}
          </label>
        ))}
      </fieldset>
      <input type="hidden" name="audience-offered" value="1" />
      <fieldset>
        <legend>Readers who chose (at least one)</legend>
        {Object.values(Frequencies).map((f) => (
          <label>
            <input
              type="checkbox"
              name="frequencies"
              value={f}
              checked={(values.frequencies ?? Object.values(Frequencies)).includes(f)}
            />{' '}
            {frequencyLabels[f]}
          </label>
        ))}
      </fieldset>
    </>
  );
}
