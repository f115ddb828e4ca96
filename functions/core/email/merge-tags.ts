import type { FieldDefinition } from '../subscribers/fields.js';
import { displayValue } from '../subscribers/fields.js';
import type { Subscriber } from '../subscribers/subscriber.js';

/**
 * Every `%%…%%` placeholder: the ones we fill ourselves (`%%unsubscribe_url%%`), and readers'
 * merge tags, `%%name%%` or `%%fields.<key>%%`, each with an optional fallback after a bar
 * (`%%name|there%%`) used when the reader has no value. A fallback holds no `%`; it may hold
 * spaces, and a line break where the text part was wrapped.
 */
export const PLACEHOLDER = /%%([a-z_]+(?:\.[a-z][a-z0-9_]*)?)(?:\|([^%]*))?%%/g;

/** Whether a placeholder is a reader's merge tag (no value is an empty string, not an error). */
export const isReaderTag = (name: string) => name === 'name' || name.startsWith('fields.');

/** A reader's values for the merge tags: `name`, `fields.<key>`; unset ones are absent. */
export function readerValues(reader: Pick<Subscriber, 'name' | 'fields'>): Record<string, string> {
  const values: Record<string, string> = {};
  if (reader.name) values.name = reader.name;
  for (const [key, value] of Object.entries(reader.fields ?? {}))
    values[`fields.${key}`] = displayValue(value);
  return values;
}

/**
 * What is wrong with the placeholders of an editor's text (an article's body, an issue's
 * subject): only readers' merge tags belong there, each naming the name or a declared field.
 * A tag that would come out blank or be sent as typed is refused before anyone gets it.
 */
export function mergeTagProblems(
  source: string,
  fields: readonly FieldDefinition[] = [],
): string[] {
  const declared = new Set(fields.map((f) => `fields.${f.key}`));
  const problems: string[] = [];
  for (const match of source.matchAll(PLACEHOLDER)) {
    const name = match[1]!;
    if (name === 'name' || declared.has(name)) continue;
    problems.push(
      name.startsWith('fields.')
        ? `${match[0]} names no declared field (content/fields.json declares ${fields.length > 0 ? fields.map((f) => f.key).join(', ') : 'none'})`
        : `${match[0]} is not a merge tag: use %%name%% or %%fields.<key>%%, with a fallback after | if you like (%%name|there%%)`,
    );
  }
  // A tag cut short (`%%name|there%` or `%%fields.city`) would be sent as typed.
  const stripped = source.replace(PLACEHOLDER, '');
  const stray = /%%[a-z]/.exec(stripped);
  if (stray)
    problems.push(
      `"${stripped.slice(stray.index, stray.index + 30)}…" looks like a merge tag that is not closed with %%`,
    );
  return problems;
}

/** The text as an anonymous reader sees it (the web page, the feeds): each tag's fallback. */
export const withFallbacks = (source: string) =>
  source.replace(PLACEHOLDER, (tag, name: string, fallback?: string) =>
    isReaderTag(name) ? (fallback ?? '') : tag,
  );

/** A subject for one reader: plain text (the mailer encodes the header, RFC 2047 as needed). */
export const personalSubject = (subject: string, values: Readonly<Record<string, string>>) =>
  subject.replace(PLACEHOLDER, (tag, name: string, fallback?: string) =>
    isReaderTag(name) ? (values[name] ?? fallback ?? '') : tag,
  );
