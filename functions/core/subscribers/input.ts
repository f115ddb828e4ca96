import * as z from 'zod';
import { invalidInput, type FieldIssue } from '../errors.js';
import { normalizeEmail } from '../email-address.js';
import type { Publication, Topic } from '../publication.js';
import { fieldValuesSchema, nameField } from './fields.js';
import { Frequencies } from './subscriber.js';

const frequency = z.enum([Frequencies.immediate, Frequencies.daily, Frequencies.weekly], {
  message: `must be one of ${Object.values(Frequencies).join(', ')}`,
});

function topicList(topics: readonly Topic[]) {
  const known = new Set(topics.map((t) => t.id));
  return z
    .array(z.string().max(64), { message: 'must be a list of topic ids' })
    .max(topics.length)
    .refine((list) => list.every((t) => known.has(t)), {
      message: `must only name known topics (${[...known].join(', ')})`,
    })
    .transform((list) => [...new Set(list)]);
}

/** An address, checked and normalized as every address we keep is (see `normalizeEmail`). */
export const emailField = () =>
  z
    .string({ message: 'is required' })
    .max(320, 'is longer than 320 characters')
    .transform((value, ctx) => {
      const checked = normalizeEmail(value);
      if (!checked.ok) {
        ctx.addIssue({ code: 'custom', message: checked.reason });
        return z.NEVER;
      }
      return checked.email;
    });

/** Who writes a reader's values: the reader (public fields only) or an editor (any field). */
export type Writer = 'reader' | 'editor';
type Schemas = Record<Writer, ReturnType<typeof buildSubscribeSchema>>;

/**
 * One schema per publication and writer (for the life of the process): zod compiles a schema on
 * its first parse, and building one per request made it half of a signup's CPU.
 */
const subscribeSchemas = new WeakMap<Pick<Publication, 'topics' | 'fields'>, Schemas>();

export function subscribeSchema(
  publication: Pick<Publication, 'topics' | 'fields'>,
  who: Writer = 'reader',
) {
  let schemas = subscribeSchemas.get(publication);
  if (!schemas)
    subscribeSchemas.set(
      publication,
      (schemas = {
        reader: buildSubscribeSchema(publication, 'reader'),
        editor: buildSubscribeSchema(publication, 'editor'),
      }),
    );
  return schemas[who];
}

function buildSubscribeSchema(
  { topics, fields = [] }: Pick<Publication, 'topics' | 'fields'>,
  who: Writer,
) {
  return z.object({
    email: emailField(),
    name: nameField(),
    fields: fieldValuesSchema(fields, who).optional(),
    // No topics given means all of them: the common case for a one-field embedded form. An empty
    // list is a reader who unticked every box, refused as the preferences page refuses it.
    topics: topicList(topics)
      .refine((list) => list.length > 0, { message: 'must include at least one topic' })
      .optional()
      .transform((list) => list ?? topics.map((t) => t.id)),
    frequency: frequency.default(Frequencies.weekly),
  });
}

/** The preferences page: the reader's topics, frequency, name and public fields. */
export function preferencesSchema({ topics, fields = [] }: Pick<Publication, 'topics' | 'fields'>) {
  return z.object({
    topics: topicList(topics).refine((list) => list.length > 0, {
      message: 'choose at least one topic',
    }),
    frequency,
    name: nameField(),
    fields: fieldValuesSchema(fields, 'reader').optional(),
  });
}

/** Parses with a schema, or throws the domain's invalid-input error naming each field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw invalidInput(toFieldIssues(result.error));
}

export function toFieldIssues(error: z.ZodError): FieldIssue[] {
  const issues = error.issues.map((issue) => ({
    field: issue.path.length > 0 ? issue.path.join('.') : '(body)',
    message: issue.message,
  }));
  // Wrapped schemas (optional, transform) can report the same problem twice; say it once.
  return issues.filter(
    (issue, i) =>
      issues.findIndex((o) => o.field === issue.field && o.message === issue.message) === i,
  );
}
