import { DomainError, ErrorCodes, invalidInput } from '../../../core/errors.js';
import type { Publication } from '../../../core/publication.js';
import {
  takesDays,
  type EngagementOp,
  type FieldOp,
  type SegmentRule,
} from '../../../core/segments/segment.js';
import { engagementRows } from '../pages/segment-engagement.js';
import { Frequencies } from '../../../core/subscribers/subscriber.js';

/**
 * The workspace's segment form, which runs no script: one part per kind of rule (topics ticked,
 * frequencies ticked, signup dates, opens and clicks, one row per declared field), each part filled in making one
 * rule. `sources[n]` is the form part rule n came from, so a refusal of `rules.<n>.value` is said
 * by that part's label.
 */
export type SegmentForm = { input: Record<string, unknown>; sources: string[] };

const text = (form: Record<string, unknown>, name: string) =>
  typeof form[name] === 'string' ? (form[name] as string).trim() : '';

/** A form's value for a field as its type reads it: a number, true or false, else the text. */
function typed(type: string, raw: string): string | number | boolean {
  if (type === 'number' && raw !== '' && Number.isFinite(Number(raw))) return Number(raw);
  if (type === 'boolean' && ['yes', 'true'].includes(raw.toLowerCase())) return true;
  if (type === 'boolean' && ['no', 'false'].includes(raw.toLowerCase())) return false;
  return raw;
}

export function segmentFormInput(
  form: Record<string, unknown>,
  publication: Pick<Publication, 'topics' | 'fields'>,
): SegmentForm {
  const rules: SegmentRule[] = [];
  const sources: string[] = [];
  const add = (source: string, rule: Record<string, unknown>) => {
    rules.push(rule as SegmentRule);
    sources.push(source);
  };
  const topics = publication.topics.map((t) => t.id).filter((id) => form[`topic-${id}`]);
  if (topics.length)
    add('topics', { kind: 'topics', match: text(form, 'topics-match') || 'any', topics });
  const frequencies = Object.values(Frequencies).filter((f) => form[`frequency-${f}`]);
  if (frequencies.length) add('frequencies', { kind: 'frequency', frequencies });
  for (const op of ['after', 'before'] as const)
    if (text(form, `signup-${op}`))
      add(`signup-${op}`, { kind: 'signup', op, value: text(form, `signup-${op}`) });
  if (text(form, 'signup-within'))
    add('signup-within', {
      kind: 'signup',
      op: 'within_days',
      value: typed('number', text(form, 'signup-within')),
    });
  for (const row of Object.keys(engagementRows)) {
    const op = text(form, `${row}-op`) as EngagementOp | '';
    if (!op) continue;
    const days = text(form, `${row}-days`);
    add(row, {
      kind: 'engagement',
      op,
      // Days left empty for a rule that needs them are refused by the rule's own check.
      ...(takesDays(op) ? { days: typed('number', days) } : {}),
    });
  }
  for (const field of publication.fields ?? []) {
    const op = text(form, `field-${field.key}-op`) as FieldOp | '';
    if (!op) continue;
    const raw = text(form, `field-${field.key}-value`);
    add(`field-${field.key}`, {
      kind: 'field',
      key: field.key,
      op,
      ...(op === 'is_set' || op === 'is_not_set' ? {} : { value: typed(field.type, raw) }),
    });
  }
  return {
    input: {
      name: text(form, 'name'),
      ...(text(form, 'description') && { description: text(form, 'description') }),
      match: text(form, 'match') || 'all',
      rules,
    },
    sources,
  };
}

/** A refusal of the input, its `rules.<n>.…` fields renamed to the form parts they came from. */
export async function onTheForm<T>(sources: string[], work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof DomainError) || error.code !== ErrorCodes.invalidInput) throw error;
    throw invalidInput(
      (error.details.issues ?? []).map((issue) => {
        const rule = /^rules\.(\d+)/.exec(issue.field);
        return rule ? { ...issue, field: sources[Number(rule[1])] ?? 'rules' } : issue;
      }),
    );
  }
}
