import type { AbReport } from '../../../core/issues/ab-report.js';
import { VARIANT_IDS } from '../../../core/issues/ab-test.js';
import type { FieldIssue } from '../../../core/errors.js';

/** The compose form's A/B boxes as posted (strings, as a form sends them). */
export type AbTestInput = {
  abSubjects?: string[];
  abSamplePercent?: string;
  abMetric?: string;
  abWaitMinutes?: string;
};

const number = (v: string | undefined) => (v?.trim() ? Number(v) : undefined);

/** The form's boxes as the API's `abTest`: none of its subjects typed, no test. */
export function abTestOf(input: AbTestInput) {
  const subjects = (input.abSubjects ?? []).filter((s) => s.trim() !== '');
  if (subjects.length === 0) return undefined;
  return {
    variants: subjects.map((subject) => ({ subject })),
    samplePercent: number(input.abSamplePercent),
    metric: input.abMetric,
    waitMinutes: number(input.abWaitMinutes),
  };
}

/**
 * The compose form's A/B test (docs/sending.md, "A/B subjects"): up to four subjects, each
 * variant's share, the rule and the wait. Left empty, the issue has one subject, as ever.
 */
export function AbTestFields(props: { values: AbTestInput; issues?: FieldIssue[] }) {
  const invalid = (field: string) =>
    props.issues?.some((i) => i.field.startsWith(`abTest.${field}`)) ? 'true' : undefined;
  return (
    <fieldset aria-describedby="ab-hint">
      <legend>A/B subjects (optional)</legend>
      <p id="ab-hint">
        Two to four subjects, each sent to a share of the audience; after the wait the subject with
        the best rate of readers who opened (or clicked) is sent to everyone else. Every reader gets
        the issue once. Leave empty for one subject.
      </p>
      {VARIANT_IDS.map((id, i) => (
        <>
          <label for={`ab-subject-${id}`}>Subject {id.toUpperCase()}</label>
          <input
            id={`ab-subject-${id}`}
            name="abSubjects"
            maxlength={200}
            value={props.values.abSubjects?.[i] ?? ''}
            aria-invalid={invalid(`variants.${i}`) ?? (i < 2 ? invalid('variants') : undefined)}
          />
        </>
      ))}
      <label for="ab-sample">Share of the audience per subject (%)</label>
      <input
        id="ab-sample"
        name="abSamplePercent"
        type="number"
        min={1}
        max={25}
        value={props.values.abSamplePercent ?? '10'}
        aria-invalid={invalid('samplePercent')}
      />
      <label for="ab-metric">The winner has the most</label>
      <select id="ab-metric" name="abMetric" aria-invalid={invalid('metric')}>
        <option value="opens" selected={props.values.abMetric !== 'clicks'}>
          readers who opened (over sends)
        </option>
        <option value="clicks" selected={props.values.abMetric === 'clicks'}>
          readers who clicked (over sends)
        </option>
      </select>
      <label for="ab-wait">Wait before choosing (minutes)</label>
      <input
        id="ab-wait"
        name="abWaitMinutes"
        type="number"
        min={0}
        value={props.values.abWaitMinutes ?? '240'}
        aria-invalid={invalid('waitMinutes')}
      />
    </fieldset>
  );
}

const percent = (rate: number) => `${(rate * 100).toFixed(1)} %`;

/** An A/B issue's report: each variant's sends, opens and clicks, the rest's, and the winner by the rule. */
export function AbTestReport(props: { report: AbReport }) {
  const { report } = props;
  const rule = `the most readers who ${report.metric === 'opens' ? 'opened' : 'clicked'} over sends, bots and scanners excluded, ${report.waitMinutes} minutes after the sample was sent (a tie goes to the first)`;
  const figures = new Map(report.winner?.figures.map((f) => [f.variant, f]));
  return (
    <section aria-labelledby="ab-report">
      <h2 id="ab-report">A/B subjects</h2>
      <p data-testid="ab-rule">
        {report.samplePercent} % of the audience per subject; the winner has {rule}.{' '}
        {report.winner
          ? `Winner: ${report.winner.variant.toUpperCase()}, chosen ${report.winner.at}.`
          : report.winnerAt
            ? `The winner is chosen at ${report.winnerAt}.`
            : 'The winner is chosen once the sample is sent and the wait is over.'}
      </p>
      <table data-testid="ab-variants">
        <caption>Each subject's sample, then the rest (sent the winner)</caption>
        <thead>
          <tr>
            <th scope="col">Variant</th>
            <th scope="col">Subject</th>
            <th scope="col">Sent</th>
            <th scope="col">Readers who opened</th>
            <th scope="col">Readers who clicked</th>
            <th scope="col">Rate when chosen</th>
          </tr>
        </thead>
        <tbody>
          {report.variants.map((v) => {
            const chosen = figures.get(v.variant);
            return (
              <tr>
                <th scope="row">
                  {v.variant === 'rest' ? 'The rest' : v.variant.toUpperCase()}
                  {report.winner?.variant === v.variant ? ' (winner)' : ''}
                </th>
                <td>{v.subject}</td>
                <td>{v.sent}</td>
                <td>{v.uniqueOpened}</td>
                <td>{v.uniqueClicked}</td>
                <td>{chosen ? percent(chosen.rate) : ''}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}
