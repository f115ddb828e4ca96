import type { CompiledEmail } from '../ports.js';

const PLACEHOLDER = /%%([a-z_]+)%%/g;

export type Personalized = { html: string; text: string };
export type Personalize = (values: Readonly<Record<string, string>>) => Personalized;

/**
 * Splits a compiled email at its placeholders once, so each recipient costs a few string joins
 * instead of an MJML render. HTML values are escaped; the text part takes them verbatim.
 * A placeholder without a value is an error, not an empty string: a footer without its
 * unsubscribe link must never go out.
 */
export function preparePersonalization(compiled: CompiledEmail): Personalize {
  // The transactional templates are constants: split each once per process, not per email.
  const known = prepared.get(compiled);
  if (known) return known;
  const html = split(compiled.html);
  const text = split(compiled.text);
  const personalize: Personalize = (values) => ({
    html: join(html, values, escapeHtml),
    text: join(text, values, (v) => v),
  });
  prepared.set(compiled, personalize);
  return personalize;
}

const prepared = new WeakMap<CompiledEmail, Personalize>();

type Parts = { literals: string[]; names: string[] };

function split(source: string): Parts {
  const literals: string[] = [];
  const names: string[] = [];
  let last = 0;
  for (const match of source.matchAll(PLACEHOLDER)) {
    literals.push(source.slice(last, match.index));
    names.push(match[1]!);
    last = match.index! + match[0].length;
  }
  literals.push(source.slice(last));
  return { literals, names };
}

function join(
  parts: Parts,
  values: Readonly<Record<string, string>>,
  encode: (v: string) => string,
): string {
  let out = parts.literals[0]!;
  for (let i = 0; i < parts.names.length; i++) {
    const value = values[parts.names[i]!];
    if (value === undefined) throw new Error(`no value for placeholder %%${parts.names[i]}%%`);
    out += encode(value) + parts.literals[i + 1]!;
  }
  return out;
}

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
