import type { EngagementOp, SegmentRule } from '../../../core/segments/segment.js';

/** The form's two engagement rows, each with its rules: opens, clicks. */
export const engagementRows = {
  opens: ['opened_within', 'not_opened_within', 'never_opened'],
  clicks: ['clicked_within', 'not_clicked_within', 'never_clicked'],
} as const satisfies Record<string, readonly EngagementOp[]>;

const engagementWords: Record<EngagementOp, string> = {
  opened_within: 'opened an issue within the last (days)',
  not_opened_within: 'opened no issue within the last (days)',
  never_opened: 'never opened an issue',
  clicked_within: 'clicked a link within the last (days)',
  not_clicked_within: 'clicked no link within the last (days)',
  never_clicked: 'never clicked a link',
};

/** "opened an issue within the last 30 days". */
export function describeEngagement(rule: Extract<SegmentRule, { kind: 'engagement' }>) {
  const words = engagementWords[rule.op];
  return rule.days === undefined ? words : words.replace('(days)', `${rule.days} days`);
}

export const engagementLabels = { opens: 'Opens', clicks: 'Clicks' };

/** The form's engagement part: for opens and for clicks, a rule and its days. */
export function EngagementFieldset(props: {
  value: (name: string) => string;
  problem: (name: string) => 'true' | undefined;
}) {
  return (
    <fieldset>
      <legend>Engagement</legend>
      <p>
        Kept to a day; bots' and link scanners' opens and clicks never count (docs/engagement.md).
      </p>
      {Object.entries(engagementRows).map(([row, ops]) => (
        <div>
          <label for={`segment-${row}-op`}>
            {engagementLabels[row as keyof typeof engagementLabels]}: the reader
          </label>
          <select id={`segment-${row}-op`} name={`${row}-op`}>
            <option value="">(anything: no rule)</option>
            {ops.map((op) => (
              <option value={op} selected={props.value(`${row}-op`) === op}>
                {engagementWords[op]}
              </option>
            ))}
          </select>
          <label for={`segment-${row}-days`}>
            {engagementLabels[row as keyof typeof engagementLabels]}: days
          </label>
          <input
            id={`segment-${row}-days`}
            name={`${row}-days`}
            inputmode="numeric"
            value={props.value(`${row}-days`)}
            aria-invalid={props.problem(row)}
          />
        </div>
      ))}
    </fieldset>
  );
}
