import type { FieldDefinition, FieldType, FieldValue } from '../subscribers/fields.js';
import type { Subscriber } from '../subscribers/subscriber.js';
import { opsOf, type FieldOp, type SegmentDefinition, type SegmentRule } from './segment.js';

/** What a rule reads of a reader: nothing outside the record the shard Query returns. */
export type SegmentReader = Pick<
  Subscriber,
  'topics' | 'frequency' | 'fields' | 'createdAt' | 'lastOpenedAt' | 'lastClickedAt' | 'firstSentAt'
>;

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Whether a reader is in the segment. Pure: `now` anchors the relative signup rules. A rule on a
 * field no longer declared (or whose type changed) holds for nobody: the segment was made for
 * values the publication no longer keeps, and sending to more than it meant is the worse error.
 */
export function matchesSegment(
  reader: SegmentReader,
  segment: SegmentDefinition,
  fields: readonly FieldDefinition[],
  now: Date = new Date(),
): boolean {
  const holds = (rule: SegmentRule) => ruleHolds(reader, rule, fields, now);
  return segment.match === 'any' ? segment.rules.some(holds) : segment.rules.every(holds);
}

function ruleHolds(
  reader: SegmentReader,
  rule: SegmentRule,
  fields: readonly FieldDefinition[],
  now: Date,
): boolean {
  switch (rule.kind) {
    case 'topics': {
      const follows = (t: string) => reader.topics.includes(t);
      if (rule.match === 'all') return rule.topics.every(follows);
      if (rule.match === 'none') return !rule.topics.some(follows);
      return rule.topics.some(follows);
    }
    case 'frequency':
      return rule.frequencies.includes(reader.frequency);
    case 'signup': {
      const signedUp = Date.parse(reader.createdAt);
      if (rule.op === 'before') return signedUp < Date.parse(`${rule.value}T00:00:00Z`);
      // After the day: from the next midnight (UTC) on.
      if (rule.op === 'after') return signedUp >= Date.parse(`${rule.value}T00:00:00Z`) + DAY_MS;
      const since = now.getTime() - Number(rule.value) * DAY_MS;
      return rule.op === 'within_days' ? signedUp >= since : signedUp < since;
    }
    case 'engagement':
      return engagementHolds(reader, rule, now);
    case 'field': {
      const field = fields.find((f) => f.key === rule.key);
      if (!field || !opsOf[field.type].includes(rule.op)) return false;
      return fieldHolds(
        field.type,
        rule.op,
        ofType(field.type, reader.fields?.[rule.key]),
        rule.value,
      );
    }
  }
}

/**
 * Read against `now` (the send's start), as the relative signup rules are. The kept times are
 * to a day (ACTIVITY_GRANULARITY_MS), so "within N days" is too: a reader whose latest open is
 * less than a day inside the window's start may have it kept as the day before, outside. "Never
 * opened" is a reader sent at least one issue before `now` with no open kept (this send's own
 * copies do not count, so the set stays one for the whole send); a reader sent nothing yet is
 * in no `never_*` rule, but is in every `not_*_within` one.
 */
function engagementHolds(
  reader: SegmentReader,
  rule: Extract<SegmentRule, { kind: 'engagement' }>,
  now: Date,
): boolean {
  const kept = rule.op.includes('opened') ? reader.lastOpenedAt : reader.lastClickedAt;
  if (rule.op === 'never_opened' || rule.op === 'never_clicked')
    return (
      reader.firstSentAt !== undefined &&
      Date.parse(reader.firstSentAt) < now.getTime() &&
      kept === undefined
    );
  const since = now.getTime() - Number(rule.days) * DAY_MS;
  const within = kept !== undefined && Date.parse(kept) >= since;
  return rule.op.startsWith('not_') ? !within : within;
}

/** A stored value as its declared type; one of another type (the declaration changed) is unset. */
function ofType(type: FieldType, value: FieldValue | undefined): FieldValue | undefined {
  if (value === undefined) return undefined;
  if (type === 'number') return typeof value === 'number' ? value : undefined;
  if (type === 'boolean') return typeof value === 'boolean' ? value : undefined;
  return typeof value === 'string' ? value : undefined;
}

/**
 * Text compares without regard to case or surrounding spaces (what readers typed); a date as
 * `YYYY-MM-DD`, whose text order is its calendar order. `not_equals` holds for an unset value.
 */
function fieldHolds(
  type: FieldType,
  op: FieldOp,
  value: FieldValue | undefined,
  wanted: FieldValue | undefined,
): boolean {
  if (op === 'is_set') return value !== undefined;
  if (op === 'is_not_set') return value === undefined;
  const norm = (v: FieldValue | undefined) =>
    type === 'text' && typeof v === 'string' ? v.trim().toLowerCase() : v;
  const [have, want] = [norm(value), norm(wanted)];
  if (op === 'not_equals') return have !== want;
  if (have === undefined) return false;
  switch (op) {
    case 'equals':
      return have === want;
    case 'contains':
      return String(have).includes(String(want));
    case 'greater_than':
      return (have as number | string) > (want as number | string);
    case 'less_than':
      return (have as number | string) < (want as number | string);
  }
  return false;
}
