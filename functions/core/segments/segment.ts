import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import type { Publication } from '../publication.js';
import type { FieldDefinition, FieldType, FieldValue } from '../subscribers/fields.js';
import { Frequencies, type Frequency } from '../subscribers/subscriber.js';

/**
 * A segment: a saved, named audience, the readers every (`match: 'all'`) or any (`'any'`) of
 * whose rules hold (docs/workspace-and-api.md, "Segments"). The rule kinds are a closed set;
 * each is read from what a confirmed reader's record already carries, so a send filters the
 * shard Query's pages with no read of its own. Engagement too: a reader's latest open and click
 * (to a day) and first send are kept on the record for these rules (Subscriber.lastOpenedAt).
 */
export const TopicMatches = ['any', 'all', 'none'] as const;
export const FieldOps = [
  'equals',
  'not_equals',
  'contains',
  'greater_than',
  'less_than',
  'is_set',
  'is_not_set',
] as const;
export type FieldOp = (typeof FieldOps)[number];
export const SignupOps = ['before', 'after', 'within_days', 'older_than_days'] as const;
export type SignupOp = (typeof SignupOps)[number];
/** Engagement as the record keeps it; `never_*` take no `days`, the others a number of them. */
export const EngagementOps = [
  'opened_within',
  'not_opened_within',
  'clicked_within',
  'not_clicked_within',
  'never_opened',
  'never_clicked',
] as const;
export type EngagementOp = (typeof EngagementOps)[number];
export const takesDays = (op: EngagementOp) => !op.startsWith('never_');
/** Days back an engagement rule may reach: ten years. */
export const MAX_ENGAGEMENT_DAYS = 3650;
const DAYS_MESSAGE = `must be a whole number of days from 1 to ${MAX_ENGAGEMENT_DAYS}`;

export type SegmentRule =
  | { kind: 'topics'; match: (typeof TopicMatches)[number]; topics: string[] }
  | { kind: 'frequency'; frequencies: Frequency[] }
  | { kind: 'field'; key: string; op: FieldOp; value?: FieldValue }
  | { kind: 'signup'; op: SignupOp; value: string | number }
  | { kind: 'engagement'; op: EngagementOp; days?: number };

export type SegmentDefinition = { match: 'all' | 'any'; rules: SegmentRule[] };

export type Segment = SegmentDefinition & {
  id: string;
  name: string;
  description?: string;
  createdAt: string;
  updatedAt: string;
  /** Optimistic concurrency: every save is conditional on the version it read. */
  version: number;
};

/** What an issue keeps of the segment it targets: a copy of its rules as they were when set. */
export type IssueSegment = SegmentDefinition & { id: string; name: string };

export const SEGMENT_ID = /^seg_[0-9a-f]{32}$/;
export const MAX_RULES = 20;
/** Days back a relative signup rule may reach: a century. */
const MAX_DAYS = 36_500;

/** Which ops each field type takes; anything else is refused under `rules.<n>.op`. */
export const opsOf: Record<FieldType, readonly FieldOp[]> = {
  text: ['equals', 'not_equals', 'contains', 'is_set', 'is_not_set'],
  choice: ['equals', 'not_equals', 'is_set', 'is_not_set'],
  number: ['equals', 'not_equals', 'greater_than', 'less_than', 'is_set', 'is_not_set'],
  date: ['equals', 'not_equals', 'greater_than', 'less_than', 'is_set', 'is_not_set'],
  boolean: ['equals', 'not_equals', 'is_set', 'is_not_set'],
};
const needsNoValue = (op: FieldOp) => op === 'is_set' || op === 'is_not_set';

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const isDay = (v: unknown): v is string =>
  typeof v === 'string' &&
  DAY.test(v) &&
  !Number.isNaN(Date.parse(`${v}T00:00:00Z`)) &&
  new Date(`${v}T00:00:00Z`).toISOString().startsWith(v);

const frequencyList = Object.values(Frequencies) as [Frequency, ...Frequency[]];

/**
 * The rules' shapes, which the OpenAPI document shows; what depends on the publication (known
 * topics, declared fields and their types) is checked by `segmentInputSchema`'s refinement. Made
 * on each call, as the other input schemas are: a schema made before @hono/zod-openapi loaded
 * has no `.openapi()`.
 */
export const ruleShapes = () =>
  z.discriminatedUnion(
    'kind',
    [
      z.object({
        kind: z.literal('topics'),
        match: z.enum(TopicMatches).default('any'),
        topics: z.array(z.string().max(64)).min(1, 'name at least one topic').max(50),
      }),
      z.object({
        kind: z.literal('frequency'),
        frequencies: z
          .array(z.enum(frequencyList, { message: `must be one of ${frequencyList.join(', ')}` }))
          .min(1, 'name at least one frequency'),
      }),
      z.object({
        kind: z.literal('field'),
        key: z.string().max(64),
        op: z.enum(FieldOps, { message: `must be one of ${FieldOps.join(', ')}` }),
        value: z.union([z.string().max(500), z.number(), z.boolean()]).optional(),
      }),
      z.object({
        kind: z.literal('signup'),
        op: z.enum(SignupOps, { message: `must be one of ${SignupOps.join(', ')}` }),
        value: z.union([z.string().max(10), z.number()]),
      }),
      z.object({
        kind: z.literal('engagement'),
        op: z.enum(EngagementOps, { message: `must be one of ${EngagementOps.join(', ')}` }),
        // Any number here, so a wrong one is told by the refinement in one clear sentence.
        days: z.number({ message: DAYS_MESSAGE }).optional(),
      }),
    ],
    { message: 'must be a rule of kind topics, frequency, field, signup or engagement' },
  );

/** Each rule checked against the publication: the problem named at `rules.<n>.<what>`. */
type RuleShape = z.output<ReturnType<typeof ruleShapes>>;

function ruleProblems(
  rule: RuleShape,
  publication: Pick<Publication, 'topics' | 'fields'>,
): { path: string; message: string }[] {
  switch (rule.kind) {
    case 'topics': {
      const known = publication.topics.map((t) => t.id);
      return rule.topics.some((t) => !known.includes(t))
        ? [{ path: 'topics', message: `must only name known topics (${known.join(', ')})` }]
        : [];
    }
    case 'frequency':
      return [];
    case 'field':
      return fieldRuleProblems(rule, publication.fields ?? []);
    case 'engagement':
      if (!takesDays(rule.op))
        return rule.days === undefined
          ? []
          : [{ path: 'days', message: `is not taken by ${rule.op}` }];
      return Number.isInteger(rule.days) &&
        (rule.days as number) >= 1 &&
        (rule.days as number) <= MAX_ENGAGEMENT_DAYS
        ? []
        : [{ path: 'days', message: DAYS_MESSAGE }];
    case 'signup':
      if (rule.op === 'before' || rule.op === 'after')
        return isDay(rule.value) ? [] : [{ path: 'value', message: 'must be a date (YYYY-MM-DD)' }];
      return Number.isInteger(rule.value) &&
        (rule.value as number) >= 1 &&
        (rule.value as number) <= MAX_DAYS
        ? []
        : [{ path: 'value', message: `must be a whole number of days from 1 to ${MAX_DAYS}` }];
  }
}

function fieldRuleProblems(
  rule: { key: string; op: FieldOp; value?: FieldValue },
  declared: readonly FieldDefinition[],
): { path: string; message: string }[] {
  const field = declared.find((f) => f.key === rule.key);
  if (!field)
    return [
      {
        path: 'key',
        message:
          declared.length > 0
            ? `is not a declared field (${declared.map((f) => f.key).join(', ')})`
            : 'is not a declared field (none are: content/fields.json)',
      },
    ];
  if (!opsOf[field.type].includes(rule.op))
    return [
      {
        path: 'op',
        message: `does not apply to a ${field.type} field (use ${opsOf[field.type].join(', ')})`,
      },
    ];
  if (needsNoValue(rule.op))
    return rule.value === undefined
      ? []
      : [{ path: 'value', message: `is not taken by ${rule.op}` }];
  const wrong = (message: string) => [{ path: 'value', message }];
  switch (field.type) {
    case 'text':
      return typeof rule.value === 'string' && rule.value.trim() !== ''
        ? []
        : wrong('must be text');
    case 'choice':
      return typeof rule.value === 'string' && field.options!.includes(rule.value)
        ? []
        : wrong(`must be one of ${field.options!.join(', ')}`);
    case 'number':
      return typeof rule.value === 'number' && Number.isFinite(rule.value)
        ? []
        : wrong('must be a number');
    case 'date':
      return isDay(rule.value) ? [] : wrong('must be a date (YYYY-MM-DD)');
    case 'boolean':
      return typeof rule.value === 'boolean' ? [] : wrong('must be true or false');
  }
}

const segmentShape = (rules = ruleShapes()) =>
  z.object({
    name: z.string().trim().min(1, 'is required').max(100),
    description: z.string().trim().max(500).optional(),
    match: z.enum(['all', 'any']).default('all'),
    rules: z.array(rules).min(1, 'add at least one rule').max(MAX_RULES),
  });

/** What an editor sends to make a segment, checked against the publication's topics and fields. */
export const segmentInputSchema = (
  publication: Pick<Publication, 'topics' | 'fields'>,
  rules = ruleShapes(),
) => segmentShape(rules).superRefine((input, ctx) => refineRules(input.rules, publication, ctx));

/** An edit: any part of the input; the rules, when given, checked as a new segment's are. */
export const segmentEditSchema = (
  publication: Pick<Publication, 'topics' | 'fields'>,
  rules = ruleShapes(),
) =>
  segmentShape(rules)
    // No default for an edit: a match left out is left as it was, not reset to `all`.
    .extend({ match: z.enum(['all', 'any']) })
    .partial()
    .extend({ version: z.number().int().min(1).optional() })
    .superRefine((input, ctx) => refineRules(input.rules ?? [], publication, ctx));

function refineRules(
  rules: RuleShape[],
  publication: Pick<Publication, 'topics' | 'fields'>,
  ctx: z.RefinementCtx,
) {
  rules.forEach((rule, n) => {
    for (const { path, message } of ruleProblems(rule, publication))
      ctx.addIssue({ code: 'custom', path: ['rules', n, path], message });
  });
}

export type SegmentInput = z.output<ReturnType<typeof segmentInputSchema>>;

export function newSegment(input: SegmentInput, now: Date): Segment {
  const at = now.toISOString();
  return {
    id: `seg_${randomUUID().replaceAll('-', '')}`,
    name: input.name,
    ...(input.description ? { description: input.description } : {}),
    match: input.match,
    rules: input.rules as SegmentRule[],
    createdAt: at,
    updatedAt: at,
    version: 1,
  };
}
