import * as z from 'zod';

/**
 * Readers' custom fields, declared in `content/fields.json` (absent: none). A field is public
 * (the reader sets it: signup form, embed, JSON API, preferences page) or editor-only (the
 * admin API, the workspace, an import). The reader's name is built in, not declared.
 */
export type FieldType = 'text' | 'number' | 'date' | 'boolean' | 'choice';
export type FieldDefinition = {
  key: string;
  label: string;
  type: FieldType;
  visibility: 'public' | 'editor';
  /** For text: at most this many characters (default 200). */
  maxLength?: number;
  /** For choice: the values allowed. */
  options?: string[];
};

/** What a record holds: a date as `YYYY-MM-DD`. */
export type FieldValue = string | number | boolean;
export type FieldValues = Record<string, FieldValue>;

/**
 * Few and short: every field is stored on the reader's record, which every page of a send
 * reads, and an item must stay far below DynamoDB's 400 KB (20 × 500 characters is 10 KB).
 */
export const MAX_FIELDS = 20;
export const MAX_TEXT_LENGTH = 500;
export const DEFAULT_TEXT_LENGTH = 200;
export const NAME_MAX_LENGTH = 100;
/** Keys are what merge tags and CSV columns name (`%%fields.city%%`, `fields.city`). */
export const FIELD_KEY = /^[a-z][a-z0-9_]{0,31}$/;

export const fieldsFileSchema = z
  .array(
    z
      .object({
        key: z.string().regex(FIELD_KEY, 'must be a lower-case key like city or birth_year'),
        label: z.string().trim().min(1).max(100),
        type: z.enum(['text', 'number', 'date', 'boolean', 'choice']),
        visibility: z.enum(['public', 'editor']).default('editor'),
        maxLength: z.number().int().min(1).max(MAX_TEXT_LENGTH).optional(),
        options: z.array(z.string().trim().min(1).max(100)).min(1).max(50).optional(),
      })
      .strict()
      .refine((f) => (f.type === 'choice') === (f.options !== undefined), {
        message: 'a choice field needs options, and only a choice field has them',
        path: ['options'],
      })
      .refine((f) => f.maxLength === undefined || f.type === 'text', {
        message: 'only a text field has a maxLength',
        path: ['maxLength'],
      }),
  )
  .max(MAX_FIELDS, `declare at most ${MAX_FIELDS} fields`)
  .refine((list) => new Set(list.map((f) => f.key)).size === list.length, {
    message: 'each key must be declared once',
  });

/** Control characters (tabs and line breaks too): a name goes into subjects and headers. */
const hasControl = (value: string) =>
  [...value].some((ch) => {
    const code = ch.codePointAt(0)!;
    return code < 0x20 || (code >= 0x7f && code <= 0x9f) || code === 0x2028 || code === 0x2029;
  });

/** Trimmed text, refused if too long or holding control characters; empty means unset. */
const text = (max: number) =>
  z
    .string({ message: 'must be text' })
    .transform((v) => v.trim())
    .refine((v) => v.length <= max, `must be at most ${max} characters`)
    .refine((v) => !hasControl(v), 'must not hold control characters or line breaks')
    .transform((v) => (v === '' ? undefined : v));

/** The reader's name: optional, ≤ 100 characters, one line. */
export const nameField = () => text(NAME_MAX_LENGTH).optional();

const TRUE = new Set(['true', 'yes', 'on', '1']);
const FALSE = new Set(['false', 'no', 'off', '0']);

/**
 * One field's value, from JSON or from a form or CSV cell (a string): checked, and converted to
 * what the record keeps. An empty string unsets it.
 */
function parseFieldValue(
  field: FieldDefinition,
  raw: unknown,
): { value?: FieldValue; error?: string } {
  if (raw === '' || raw === null) return {};
  switch (field.type) {
    case 'text': {
      const parsed = text(field.maxLength ?? DEFAULT_TEXT_LENGTH).safeParse(raw);
      return parsed.success ? { value: parsed.data } : { error: parsed.error.issues[0]!.message };
    }
    case 'number': {
      const n = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
      return typeof n === 'number' && Number.isFinite(n)
        ? { value: n }
        : { error: 'must be a number' };
    }
    case 'boolean': {
      if (typeof raw === 'boolean') return { value: raw };
      const word = typeof raw === 'string' ? raw.trim().toLowerCase() : undefined;
      if (word !== undefined && TRUE.has(word)) return { value: true };
      if (word !== undefined && FALSE.has(word)) return { value: false };
      return { error: 'must be true or false' };
    }
    case 'date': {
      const day = typeof raw === 'string' ? raw.trim() : '';
      const valid =
        /^\d{4}-\d{2}-\d{2}$/.test(day) &&
        new Date(`${day}T00:00:00Z`).toISOString().startsWith(day);
      return valid ? { value: day } : { error: 'must be a date (YYYY-MM-DD)' };
    }
    case 'choice': {
      const choice = typeof raw === 'string' ? raw.trim() : raw;
      return typeof choice === 'string' && field.options!.includes(choice)
        ? { value: choice }
        : { error: `must be one of ${field.options!.join(', ')}` };
    }
  }
}

/**
 * The `fields` object of an input, for one kind of writer: a reader may set only public fields,
 * an editor any. An undeclared key, or one the writer may not set, is refused under its own name
 * (`fields.<key>`), never dropped quietly.
 */
export function fieldValuesSchema(declared: readonly FieldDefinition[], who: 'reader' | 'editor') {
  const byKey = new Map(declared.map((f) => [f.key, f]));
  return z
    .record(z.string(), z.unknown(), { message: 'must be an object of field values' })
    .transform((input, ctx) => {
      const values: FieldValues = {};
      for (const [key, raw] of Object.entries(input)) {
        const field = byKey.get(key);
        const refuse = (message: string) => ctx.addIssue({ code: 'custom', path: [key], message });
        if (!field) {
          refuse(
            declared.length > 0
              ? `is not a declared field (${declared.map((f) => f.key).join(', ')})`
              : 'is not a declared field (none are: content/fields.json)',
          );
          continue;
        }
        if (who === 'reader' && field.visibility !== 'public') {
          refuse('is set by editors only');
          continue;
        }
        const { value, error } = parseFieldValue(field, raw);
        if (error) refuse(error);
        else if (value !== undefined) values[key] = value;
      }
      return values;
    });
}

/**
 * New values over a record's: a writer's input replaces what it may set (a key it left out of a
 * form it was shown is unset), and keeps what it may not see (an editor's field, on the reader's
 * preferences page). Undefined when nothing is left.
 */
export function mergeFieldValues(
  current: FieldValues | undefined,
  given: FieldValues,
  replaced: readonly string[],
): FieldValues | undefined {
  const kept = Object.fromEntries(
    Object.entries(current ?? {}).filter(([key]) => !replaced.includes(key)),
  );
  const merged = { ...kept, ...given };
  return Object.keys(merged).length > 0 ? merged : undefined;
}

export const publicFields = (declared: readonly FieldDefinition[] = []) =>
  declared.filter((f) => f.visibility === 'public');

/** A value as a reader sees it in an email, a page or a CSV cell. */
export function displayValue(value: FieldValue | undefined): string {
  if (value === undefined) return '';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  return String(value);
}
