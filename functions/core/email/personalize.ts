import type { CompiledEmail, SplicedBody } from '../ports.js';
import { isReaderTag, PLACEHOLDER } from './merge-tags.js';

export type Personalized = { html: string; text: string };
export type Personalize = (values: Readonly<Record<string, string>>) => Personalized;
/** Personalized, and the same split at its values (what a mailer needs to encode the rest once). */
export type Spliced = Personalized & { spliced: { html: SplicedBody; text: SplicedBody } };
export type Splice = (values: Readonly<Record<string, string>>) => Spliced;

/**
 * Splits a compiled email at its placeholders once, so each recipient costs a few string joins
 * instead of an MJML render. HTML values are escaped; the text part takes them verbatim.
 * A placeholder without a value is an error, not an empty string: a footer without its
 * unsubscribe link must never go out. A reader's merge tag (`%%name|there%%`) without a value
 * takes its fallback, as it stands in each part (the HTML's was escaped when the article was
 * rendered, the text's unescaped with the rest of the text), or nothing.
 */
export function preparePersonalization(compiled: CompiledEmail): Personalize {
  // The transactional templates are constants: split each once per process, not per email.
  const known = prepared.get(compiled);
  if (known) return known;
  const splice = prepareSplicing(compiled);
  const personalize: Personalize = (values) => {
    const { html, text } = splice(values);
    return { html, text };
  };
  prepared.set(compiled, personalize);
  return personalize;
}

/**
 * As `preparePersonalization`, keeping the split: for the bulk send, whose mailer encodes each
 * edition's fixed parts once instead of once per reader. (The outbox stores its messages, so
 * transactional mail does not carry the split.)
 */
export function prepareSplicing(compiled: CompiledEmail): Splice {
  const html = split(compiled.html);
  const text = split(compiled.text);
  return (values) => {
    const htmlValues = valuesOf(html, values, escapeHtml);
    const textValues = valuesOf(text, values, (v) => v);
    return {
      html: join(html.literals, htmlValues),
      text: join(text.literals, textValues),
      spliced: {
        html: { fixed: html.literals, values: htmlValues },
        text: { fixed: text.literals, values: textValues },
      },
    };
  };
}

const prepared = new WeakMap<CompiledEmail, Personalize>();

type Parts = { literals: string[]; names: string[]; fallbacks: (string | undefined)[] };

function split(source: string): Parts {
  const literals: string[] = [];
  const names: string[] = [];
  const fallbacks: (string | undefined)[] = [];
  let last = 0;
  for (const match of source.matchAll(PLACEHOLDER)) {
    literals.push(source.slice(last, match.index));
    names.push(match[1]!);
    // The text part is wrapped at 78 columns, which may break a fallback's line at a space.
    fallbacks.push(match[2]?.replace(/\s+/g, ' '));
    last = match.index! + match[0].length;
  }
  literals.push(source.slice(last));
  return { literals, names, fallbacks };
}

function valuesOf(
  parts: Parts,
  values: Readonly<Record<string, string>>,
  encode: (v: string) => string,
): string[] {
  return parts.names.map((name, i) => {
    const value = values[name];
    if (value !== undefined) return encode(value);
    if (isReaderTag(name)) return parts.fallbacks[i] ?? '';
    throw new Error(`no value for placeholder %%${name}%%`);
  });
}

function join(literals: readonly string[], values: readonly string[]): string {
  let out = literals[0]!;
  for (let i = 0; i < values.length; i++) out += values[i]! + literals[i + 1]!;
  return out;
}

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
