import { describe, expect, it } from 'vitest';
import type * as z from 'zod';
import { DomainError } from '../../functions/core/errors.js';
import { matchesSegment } from '../../functions/core/segments/match.js';
import {
  segmentEditSchema,
  segmentInputSchema,
  type SegmentDefinition,
  type SegmentRule,
} from '../../functions/core/segments/segment.js';
import type { FieldDefinition } from '../../functions/core/subscribers/fields.js';
import { parseInput } from '../../functions/core/subscribers/input.js';
import { aPublication, aSubscriber } from '../support/builders.js';

const fields: FieldDefinition[] = [
  { key: 'city', label: 'City', type: 'text', visibility: 'public' },
  { key: 'print', label: 'Print', type: 'boolean', visibility: 'editor' },
  { key: 'age', label: 'Age', type: 'number', visibility: 'editor' },
  { key: 'renewal', label: 'Renewal', type: 'date', visibility: 'editor' },
  { key: 'plan', label: 'Plan', type: 'choice', visibility: 'editor', options: ['free', 'paid'] },
];
const publication = aPublication({ fields });
const now = new Date('2026-12-01T12:00:00Z');

/** The field-by-field problems the schema reports, as the API answers them. */
function problems(input: unknown, schema: z.ZodType = segmentInputSchema(publication)) {
  try {
    parseInput(schema, input);
  } catch (error) {
    if (error instanceof DomainError) return error.details.issues ?? [];
    throw error;
  }
  return [];
}
const withRule = (rule: unknown) => ({ name: 'S', rules: [rule] });

describe('a segment definition', () => {
  it('takes each kind of rule, with its defaults (match all, topics any)', () => {
    const parsed = parseInput(segmentInputSchema(publication), {
      name: '  Paid readers in Skopje ',
      rules: [
        { kind: 'topics', topics: ['security'] },
        { kind: 'frequency', frequencies: ['weekly', 'daily'] },
        { kind: 'field', key: 'city', op: 'equals', value: 'Skopje' },
        { kind: 'field', key: 'plan', op: 'equals', value: 'paid' },
        { kind: 'field', key: 'print', op: 'is_set' },
        { kind: 'field', key: 'age', op: 'greater_than', value: 30 },
        { kind: 'field', key: 'renewal', op: 'less_than', value: '2027-01-01' },
        { kind: 'signup', op: 'after', value: '2026-01-31' },
        { kind: 'signup', op: 'within_days', value: 30 },
      ],
    });
    expect(parsed.name).toBe('Paid readers in Skopje');
    expect(parsed.match).toBe('all');
    expect(parsed.rules[0]).toEqual({ kind: 'topics', match: 'any', topics: ['security'] });
  });

  it('refuses an unknown field key, naming the rule and listing the declared ones', () => {
    expect(problems(withRule({ kind: 'field', key: 'town', op: 'equals', value: 'x' }))).toEqual([
      {
        field: 'rules.0.key',
        message: 'is not a declared field (city, print, age, renewal, plan)',
      },
    ]);
  });

  it('refuses a value of the wrong type for the field, naming the value', () => {
    const cases: [unknown, string][] = [
      [{ kind: 'field', key: 'age', op: 'equals', value: 'thirty' }, 'must be a number'],
      [{ kind: 'field', key: 'print', op: 'equals', value: 'yes' }, 'must be true or false'],
      [
        { kind: 'field', key: 'renewal', op: 'equals', value: '2027-02-30' },
        'must be a date (YYYY-MM-DD)',
      ],
      [{ kind: 'field', key: 'plan', op: 'equals', value: 'gold' }, 'must be one of free, paid'],
      [{ kind: 'field', key: 'city', op: 'equals' }, 'must be text'],
      [{ kind: 'field', key: 'city', op: 'is_set', value: 'x' }, 'is not taken by is_set'],
      [{ kind: 'signup', op: 'before', value: 12 }, 'must be a date (YYYY-MM-DD)'],
      [
        { kind: 'signup', op: 'within_days', value: 1.5 },
        'must be a whole number of days from 1 to 36500',
      ],
    ];
    for (const [rule, message] of cases)
      expect(problems(withRule(rule)), JSON.stringify(rule)).toEqual([
        { field: 'rules.0.value', message },
      ]);
  });

  it('refuses an op the field type does not take, and an invalid rule, each under its own name', () => {
    expect(
      problems(withRule({ kind: 'field', key: 'print', op: 'greater_than', value: true })),
    ).toEqual([
      {
        field: 'rules.0.op',
        message: 'does not apply to a boolean field (use equals, not_equals, is_set, is_not_set)',
      },
    ]);
    expect(problems(withRule({ kind: 'opened', days: 30 }))[0]).toMatchObject({
      field: 'rules.0.kind',
      message: 'must be a rule of kind topics, frequency, field, signup or engagement',
    });
    expect(problems(withRule({ kind: 'topics', topics: ['sport'] }))).toEqual([
      {
        field: 'rules.0.topics',
        message: 'must only name known topics (security, politics, economy)',
      },
    ]);
    expect(problems(withRule({ kind: 'frequency', frequencies: ['hourly'] }))[0]?.field).toBe(
      'rules.0.frequencies.0',
    );
    expect(problems({ name: '', rules: [] })).toEqual([
      { field: 'name', message: 'is required' },
      { field: 'rules', message: 'add at least one rule' },
    ]);
    // The second rule is the bad one: its index is named.
    const two = {
      name: 'S',
      rules: [
        { kind: 'frequency', frequencies: ['weekly'] },
        { kind: 'field', key: 'nope', op: 'is_set' },
      ],
    };
    expect(problems(two).map((p) => p.field)).toEqual(['rules.1.key']);
  });

  it('takes an engagement rule with whole days from 1 to 3650, a never_* one with none, naming rules.<n>.days', () => {
    const days = 'must be a whole number of days from 1 to 3650';
    for (const ok of [
      { kind: 'engagement', op: 'opened_within', days: 30 },
      { kind: 'engagement', op: 'not_clicked_within', days: 3650 },
      { kind: 'engagement', op: 'never_opened' },
    ])
      expect(problems(withRule(ok)), JSON.stringify(ok)).toEqual([]);
    for (const bad of [0, -1, 2.5, 3651, '30', undefined])
      expect(
        problems(withRule({ kind: 'engagement', op: 'clicked_within', days: bad })),
        String(bad),
      ).toEqual([{ field: 'rules.0.days', message: days }]);
    expect(problems(withRule({ kind: 'engagement', op: 'never_clicked', days: 3 }))).toEqual([
      { field: 'rules.0.days', message: 'is not taken by never_clicked' },
    ]);
    expect(problems(withRule({ kind: 'engagement', op: 'opened', days: 3 }))[0]?.field).toBe(
      'rules.0.op',
    );
  });

  it('checks an edit’s rules as a new segment’s, and takes an edit without any', () => {
    const edit = segmentEditSchema(publication);
    expect(problems({ name: 'Renamed', version: 2 }, edit)).toEqual([]);
    expect(
      problems({ rules: [{ kind: 'field', key: 'age', op: 'contains', value: 3 }] }, edit),
    ).toEqual([
      {
        field: 'rules.0.op',
        message:
          'does not apply to a number field (use equals, not_equals, greater_than, less_than, is_set, is_not_set)',
      },
    ]);
  });
});

describe('matchesSegment', () => {
  const reader = aSubscriber({
    topics: ['security', 'politics'],
    frequency: 'weekly',
    createdAt: '2026-11-15T08:00:00.000Z',
    fields: { city: ' Skopje ', print: true, age: 41, renewal: '2027-03-01', plan: 'paid' },
  });
  const bare = aSubscriber({
    topics: ['economy'],
    frequency: 'daily',
    createdAt: '2025-01-01T00:00:00.000Z',
  });
  const one = (rule: SegmentRule, match: SegmentDefinition['match'] = 'all') =>
    [reader, bare].map((r) => matchesSegment(r, { match, rules: [rule] }, fields, now));

  it('reads topics as any, all or none of them', () => {
    expect(one({ kind: 'topics', match: 'any', topics: ['security', 'economy'] })).toEqual([
      true,
      true,
    ]);
    expect(one({ kind: 'topics', match: 'all', topics: ['security', 'politics'] })).toEqual([
      true,
      false,
    ]);
    expect(one({ kind: 'topics', match: 'none', topics: ['security'] })).toEqual([false, true]);
  });

  it('reads the frequency', () => {
    expect(one({ kind: 'frequency', frequencies: ['weekly'] })).toEqual([true, false]);
    expect(one({ kind: 'frequency', frequencies: ['daily', 'immediate'] })).toEqual([false, true]);
  });

  it('compares text without regard to case or spaces; not_equals holds for an unset value', () => {
    expect(one({ kind: 'field', key: 'city', op: 'equals', value: 'skopje' })).toEqual([
      true,
      false,
    ]);
    expect(one({ kind: 'field', key: 'city', op: 'contains', value: 'KOP' })).toEqual([
      true,
      false,
    ]);
    expect(one({ kind: 'field', key: 'city', op: 'not_equals', value: 'Skopje' })).toEqual([
      false,
      true,
    ]);
    expect(one({ kind: 'field', key: 'city', op: 'is_set' })).toEqual([true, false]);
    expect(one({ kind: 'field', key: 'city', op: 'is_not_set' })).toEqual([false, true]);
  });

  it('compares numbers, dates, booleans and choices by their type', () => {
    expect(one({ kind: 'field', key: 'age', op: 'greater_than', value: 40 })).toEqual([
      true,
      false,
    ]);
    expect(one({ kind: 'field', key: 'age', op: 'less_than', value: 41 })).toEqual([false, false]);
    expect(one({ kind: 'field', key: 'age', op: 'equals', value: 41 })).toEqual([true, false]);
    expect(one({ kind: 'field', key: 'renewal', op: 'greater_than', value: '2027-02-28' })).toEqual(
      [true, false],
    );
    expect(one({ kind: 'field', key: 'renewal', op: 'less_than', value: '2027-03-01' })).toEqual([
      false,
      false,
    ]);
    expect(one({ kind: 'field', key: 'print', op: 'equals', value: true })).toEqual([true, false]);
    // Unset is not false: only a reader marked false is.
    expect(one({ kind: 'field', key: 'print', op: 'equals', value: false })).toEqual([
      false,
      false,
    ]);
    expect(one({ kind: 'field', key: 'plan', op: 'equals', value: 'paid' })).toEqual([true, false]);
  });

  it('reads the signup date: before or after a day (UTC), within or older than N days of now', () => {
    expect(one({ kind: 'signup', op: 'before', value: '2026-11-15' })).toEqual([false, true]);
    expect(one({ kind: 'signup', op: 'before', value: '2026-11-16' })).toEqual([true, true]);
    expect(one({ kind: 'signup', op: 'after', value: '2026-11-14' })).toEqual([true, false]);
    expect(one({ kind: 'signup', op: 'after', value: '2026-11-15' })).toEqual([false, false]);
    expect(one({ kind: 'signup', op: 'within_days', value: 30 })).toEqual([true, false]);
    expect(one({ kind: 'signup', op: 'within_days', value: 10 })).toEqual([false, false]);
    expect(one({ kind: 'signup', op: 'older_than_days', value: 10 })).toEqual([true, true]);
  });

  it('reads engagement kept on the record against now (the send’s start), to the day', () => {
    const daysAgo = (d: number) => new Date(now.getTime() - d * 86_400_000).toISOString();
    const opener = aSubscriber({
      firstSentAt: daysAgo(100),
      lastOpenedAt: daysAgo(29),
      lastClickedAt: daysAgo(45),
    });
    const silent = aSubscriber({ firstSentAt: daysAgo(100) });
    // Sent nothing yet: in no never_* rule, in every not_*_within one.
    const unsent = aSubscriber({});
    // First sent by this very send (after its start): not yet "never opened".
    const justSent = aSubscriber({ firstSentAt: new Date(now.getTime() + 1000).toISOString() });
    const all = (rule: SegmentRule) =>
      [opener, silent, unsent, justSent].map((r) =>
        matchesSegment(r, { match: 'all', rules: [rule] }, fields, now),
      );
    const rule = (op: string, days?: number) =>
      ({ kind: 'engagement', op, ...(days && { days }) }) as SegmentRule;
    expect(all(rule('opened_within', 30))).toEqual([true, false, false, false]);
    expect(all(rule('opened_within', 28))).toEqual([false, false, false, false]);
    expect(all(rule('not_opened_within', 30))).toEqual([false, true, true, true]);
    expect(all(rule('clicked_within', 30))).toEqual([false, false, false, false]);
    expect(all(rule('clicked_within', 45))).toEqual([true, false, false, false]);
    expect(all(rule('not_clicked_within', 30))).toEqual([true, true, true, true]);
    expect(all(rule('never_opened'))).toEqual([false, true, false, false]);
    expect(all(rule('never_clicked'))).toEqual([false, true, false, false]);
  });

  it('combines rules with all or any', () => {
    const rules: SegmentRule[] = [
      { kind: 'frequency', frequencies: ['weekly'] },
      { kind: 'topics', match: 'any', topics: ['economy'] },
    ];
    expect(
      [reader, bare].map((r) => matchesSegment(r, { match: 'all', rules }, fields, now)),
    ).toEqual([false, false]);
    expect(
      [reader, bare].map((r) => matchesSegment(r, { match: 'any', rules }, fields, now)),
    ).toEqual([true, true]);
  });

  it('lets a rule on a field no longer declared, or declared with another type, hold for nobody', () => {
    const rule: SegmentRule = { kind: 'field', key: 'city', op: 'not_equals', value: 'x' };
    expect(matchesSegment(reader, { match: 'all', rules: [rule] }, [], now)).toBe(false);
    const retyped: FieldDefinition[] = [
      { key: 'age', label: 'Age', type: 'text', visibility: 'editor' },
    ];
    const ageRule: SegmentRule = { kind: 'field', key: 'age', op: 'is_set' };
    expect(matchesSegment(reader, { match: 'all', rules: [ageRule] }, retyped, now)).toBe(false);
  });
});
