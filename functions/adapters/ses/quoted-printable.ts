import { encode, wrap } from 'nodemailer/lib/qp';
import type { SplicedBody } from '../../core/ports.js';

const CRLF = '\r\n';
const LINE_LENGTH = 76;

/** A body as quoted-printable: CRLF line ends, soft breaks so no line passes 76 characters. */
export function quotedPrintable(body: string): string {
  return wrap(encode(normalize(body)), LINE_LENGTH);
}

/**
 * The same bytes as `quotedPrintable(fixed[0] + values[0] + fixed[1] + …)`, with the fixed parts
 * encoded once per template (the array is the template: the same one for every reader of an
 * edition) and only the lines that hold a value encoded per message.
 *
 * Why that is exact: quoted-printable is line by line. A soft break never crosses a CRLF, the
 * wrap of a line depends only on that line, and a byte's encoding depends only on the byte after
 * it (whitespace before a line end is encoded). So every complete line of a fixed part, from its
 * first CRLF to its last, encodes the same in every message; what is left on either side of a
 * value joins it on a line of its own. (Only wrap()'s shortcut for a short string looks past a line
 * break: see `lastLine`.)
 */
export function splicedQuotedPrintable(body: SplicedBody): string {
  const plan = planOf(body.fixed);
  let out = plan.opening;
  let line = plan.line;
  for (let i = 0; i < plan.parts.length; i++) {
    const part = plan.parts[i]!;
    line += normalize(body.values[i] ?? '') + part.head;
    if (part.lines === undefined) continue;
    out += quotedPrintable(line) + part.lines;
    line = part.tail;
  }
  return out + lastLine(line, out.length);
}

/**
 * The body's last line, after `before` characters of it. wrap() returns a string of 76 characters
 * or fewer untouched, but in a longer body it may still break that last line (at a blank, or
 * before an escape): so the line is wrapped behind empty lines that make the string long, then
 * they are cut off again.
 */
function lastLine(line: string, before: number): string {
  const encoded = encode(line);
  if (before + encoded.length <= LINE_LENGTH) return encoded;
  return wrap(LONG_PREFIX + encoded, LINE_LENGTH).slice(LONG_PREFIX.length);
}

const LONG_PREFIX = CRLF.repeat(LINE_LENGTH / 2 + 1);

/**
 * A template's fixed parts, encoded where they can be: `opening`, the complete lines of the first
 * part, and `line`, what it leaves on the line the first value joins; then each later part.
 */
type Plan = { opening: string; line: string; parts: Part[] };

/**
 * A part after a value: `head` up to and with its first line break, `lines` (encoded) the
 * complete lines after it, `tail` what follows its last line break. Without a line break, `head`
 * is the whole part and the line goes on.
 */
type Part = { head: string; lines?: string; tail: string };

const plans = new WeakMap<readonly string[], Plan>();

function planOf(fixed: readonly string[]): Plan {
  let plan = plans.get(fixed);
  if (!plan) {
    const [first = '', ...rest] = fixed.map(normalize);
    const opening = splitLines(first, 0);
    plan = {
      opening: opening.lines ?? '',
      line: opening.lines === undefined ? first : opening.tail,
      parts: rest.map((part) => splitLines(part, part.indexOf(CRLF) + CRLF.length)),
    };
    plans.set(fixed, plan);
  }
  return plan;
}

/** `text` cut at `start` (after its first line break, or 0) and after its last line break. */
function splitLines(text: string, start: number): Part {
  if (!text.includes(CRLF)) return { head: text, tail: '' };
  const last = text.lastIndexOf(CRLF) + CRLF.length;
  return {
    head: text.slice(0, start),
    lines: quotedPrintable(text.slice(start, last)),
    tail: text.slice(last),
  };
}

function normalize(text: string): string {
  return text.replace(/\r?\n|\r/g, CRLF);
}
