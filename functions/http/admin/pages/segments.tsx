import type { Publication } from '../../../core/publication.js';
import type { SegmentPreview } from '../../../core/segments/manage.js';
import type { Segment, SegmentRule } from '../../../core/segments/segment.js';
import { Frequencies, frequencyLabels } from '../../../core/subscribers/subscriber.js';
import { Csrf } from '../layout.js';
import { Notice } from './error.js';
import { type DigestChoice, DigestSegments } from './digest-segments.js';
import { describeEngagement, EngagementFieldset, engagementLabels } from './segment-engagement.js';
import { FormProblems, invalid, type Refused } from './form-problems.js';
import { When } from './when.js';

type Pub = Pick<Publication, 'topics' | 'fields'>;

const opWords: Record<string, string> = {
  equals: 'is',
  not_equals: 'is not',
  contains: 'contains',
  greater_than: 'is more than (after)',
  less_than: 'is less than (before)',
  is_set: 'is filled in',
  is_not_set: 'is empty',
};

/** A rule as an editor reads it: "follows any of Security, Economy". */
export function describeRule(rule: SegmentRule, publication: Pub): string {
  const topic = (id: string) => publication.topics.find((t) => t.id === id)?.label ?? id;
  switch (rule.kind) {
    case 'topics':
      return `follows ${rule.match} of ${rule.topics.map(topic).join(', ')}`;
    case 'frequency':
      return `gets ${rule.frequencies.join(' or ')} emails`;
    case 'signup':
      return rule.op === 'within_days'
        ? `signed up within the last ${rule.value} days`
        : rule.op === 'older_than_days'
          ? `signed up more than ${rule.value} days ago`
          : `signed up ${rule.op} ${rule.value}`;
    case 'field': {
      const label = publication.fields?.find((f) => f.key === rule.key)?.label ?? rule.key;
      const value = rule.value === undefined ? '' : ` ${JSON.stringify(rule.value)}`;
      return `${label} ${opWords[rule.op] ?? rule.op}${value}`;
    }
    case 'engagement':
      return describeEngagement(rule);
  }
}

export const segmentLabels = (publication: Pub): Record<string, string> => ({
  name: 'Name',
  description: 'Description',
  match: 'Match',
  rules: 'Rules',
  topics: 'Topics',
  frequencies: 'Frequencies',
  'signup-after': 'Signed up after',
  'signup-before': 'Signed up before',
  'signup-within': 'Signed up within (days)',
  ...engagementLabels,
  ...Object.fromEntries((publication.fields ?? []).map((f) => [`field-${f.key}`, f.label])),
});

/** The count and the first addresses, said as a status so a screen reader hears it arrive. */
export function PreviewResult(props: { preview: SegmentPreview }) {
  const { count, sample } = props.preview;
  return (
    <section aria-labelledby="preview-heading" class="card">
      <h2 id="preview-heading">Preview</h2>
      <p role="status" data-testid="segment-count">
        {count === 1 ? '1 confirmed reader' : `${count} confirmed readers`} in this segment now.
      </p>
      {sample.length ? (
        <>
          <p>The first {sample.length} by address:</p>
          <ul>
            {sample.map((email) => (
              <li>{email}</li>
            ))}
          </ul>
        </>
      ) : null}
    </section>
  );
}

/** Saved segments, and the form that previews and saves one. */
export function SegmentList(props: {
  segments: Segment[];
  publication: Pub;
  csrf: string;
  notice: string | undefined;
  refused?: Refused | undefined;
  /** A definition previewed, not saved: its form kept as typed. */
  previewed?: { form: Record<string, string>; preview: SegmentPreview } | undefined;
  /** Who each digest goes to (pages/digest-segments.tsx). */
  digests?: DigestChoice | undefined;
}) {
  const { publication } = props;
  // A refusal of the digests' form is said there, not on the new segment's.
  const refused = props.refused?.input['digest-daily'] === undefined ? props.refused : undefined;
  const form = refused?.input ?? props.previewed?.form ?? {};
  const value = (name: string) => form[name] ?? '';
  const ticked = (name: string) => form[name] !== undefined;
  const problem = (name: string) => invalid(refused, name);
  return (
    <>
      <Notice text={props.notice} />
      <p>
        A segment is a saved audience: the confirmed readers every rule (or any one) holds for. An
        issue made for a segment goes only to its readers; preview one to see how many it has.
      </p>
      {props.segments.length === 0 ? (
        <p>No segments yet.</p>
      ) : (
        <div>
          <table>
            <thead>
              <tr>
                <th>Name</th>
                <th>Rules</th>
                <th>Changed</th>
              </tr>
            </thead>
            <tbody>
              {props.segments.map((s) => (
                <tr>
                  <td>
                    <a href={`/admin/segments/${s.id}`}>{s.name}</a>
                  </td>
                  <td>
                    {s.match === 'any' ? 'Any of: ' : ''}
                    {s.rules.map((r) => describeRule(r, publication)).join('; ')}
                  </td>
                  <td>
                    <When at={s.updatedAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {props.digests ? (
        <DigestSegments
          segments={props.segments}
          current={props.digests}
          csrf={props.csrf}
          refused={props.refused}
        />
      ) : null}
      {props.previewed ? <PreviewResult preview={props.previewed.preview} /> : null}
      <h2>New segment</h2>
      <form method="post" action="/admin/segments">
        <Csrf token={props.csrf} />
        <FormProblems
          refused={refused}
          what="Not saved"
          labels={segmentLabels(publication)}
          id="segment-problems"
        />
        <label for="segment-name">Name</label>
        <input
          id="segment-name"
          name="name"
          maxlength={100}
          value={value('name')}
          aria-invalid={problem('name')}
        />
        <label for="segment-match">Readers for whom</label>
        <select id="segment-match" name="match">
          <option value="all" selected={value('match') !== 'any'}>
            every rule below holds
          </option>
          <option value="any" selected={value('match') === 'any'}>
            any rule below holds
          </option>
        </select>
        <fieldset aria-invalid={problem('topics')}>
          <legend>Topics</legend>
          <label for="segment-topics-match">The reader follows</label>
          <select id="segment-topics-match" name="topics-match">
            {(['any', 'all', 'none'] as const).map((m) => (
              <option value={m} selected={value('topics-match') === m}>
                {m} of the ticked topics
              </option>
            ))}
          </select>
          {publication.topics.map((t) => (
            <label>
              <input
                type="checkbox"
                name={`topic-${t.id}`}
                value="1"
                checked={ticked(`topic-${t.id}`)}
              />{' '}
              {t.label}
            </label>
          ))}
        </fieldset>
        <fieldset aria-invalid={problem('frequencies')}>
          <legend>Frequency</legend>
          {Object.values(Frequencies).map((f) => (
            <label>
              <input
                type="checkbox"
                name={`frequency-${f}`}
                value="1"
                checked={ticked(`frequency-${f}`)}
              />{' '}
              {frequencyLabels[f]}
            </label>
          ))}
        </fieldset>
        <fieldset>
          <legend>Signed up</legend>
          <label for="segment-signup-after">After (a day, UTC)</label>
          <input
            id="segment-signup-after"
            name="signup-after"
            type="date"
            value={value('signup-after')}
            aria-invalid={problem('signup-after')}
          />
          <label for="segment-signup-before">Before (a day, UTC)</label>
          <input
            id="segment-signup-before"
            name="signup-before"
            type="date"
            value={value('signup-before')}
            aria-invalid={problem('signup-before')}
          />
          <label for="segment-signup-within">Within the last (days)</label>
          <input
            id="segment-signup-within"
            name="signup-within"
            inputmode="numeric"
            value={value('signup-within')}
            aria-invalid={problem('signup-within')}
          />
        </fieldset>
        <EngagementFieldset value={value} problem={problem} />
        {(publication.fields ?? []).length ? (
          <fieldset>
            <legend>Fields</legend>
            {(publication.fields ?? []).map((f) => (
              <div>
                <label for={`segment-field-${f.key}-op`}>{f.label}</label>
                <select id={`segment-field-${f.key}-op`} name={`field-${f.key}-op`}>
                  <option value="">(any value: no rule)</option>
                  {Object.entries(opWords).map(([op, words]) => (
                    <option value={op} selected={value(`field-${f.key}-op`) === op}>
                      {words}
                    </option>
                  ))}
                </select>
                <label for={`segment-field-${f.key}-value`}>
                  {f.label}: value{f.type === 'boolean' ? ' (yes or no)' : ''}
                  {f.type === 'date' ? ' (YYYY-MM-DD)' : ''}
                </label>
                <input
                  id={`segment-field-${f.key}-value`}
                  name={`field-${f.key}-value`}
                  value={value(`field-${f.key}-value`)}
                  aria-invalid={problem(`field-${f.key}`)}
                />
              </div>
            ))}
          </fieldset>
        ) : null}
        <div class="actions">
          <button type="submit" name="action" value="preview" class="secondary">
            Preview
          </button>
          <button type="submit" name="action" value="save">
            Save segment
          </button>
        </div>
      </form>
    </>
  );
}

/** One segment: its rules, its readers now, and delete. */
export function SegmentPage(props: {
  segment: Segment;
  preview: SegmentPreview;
  publication: Pub;
  csrf: string;
  notice: string | undefined;
}) {
  const { segment: s } = props;
  return (
    <>
      <Notice text={props.notice} />
      {s.description ? <p>{s.description}</p> : null}
      <h2>Readers for whom {s.match === 'any' ? 'any rule' : 'every rule'} holds</h2>
      <ul>
        {s.rules.map((r) => (
          <li>{describeRule(r, props.publication)}</li>
        ))}
      </ul>
      <PreviewResult preview={props.preview} />
      <p>
        An issue made for this segment (its id: <code>{s.id}</code>) keeps a copy of these rules:
        deleting or changing the segment later changes no issue already made.
      </p>
      <form method="post" action={`/admin/segments/${s.id}/delete`}>
        <Csrf token={props.csrf} />
        <button type="submit" class="danger">
          Delete this segment
        </button>
      </form>
    </>
  );
}
