import fc from 'fast-check';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { MjmlIssueRenderer } from '../../functions/adapters/mjml/mjml-renderer.js';
import { MimeComposer } from '../../functions/adapters/ses/mime.js';
import {
  quotedPrintable,
  splicedQuotedPrintable,
} from '../../functions/adapters/ses/quoted-printable.js';
import { listHeaders } from '../../functions/core/email/list-headers.js';
import { prepareSplicing } from '../../functions/core/email/personalize.js';
import { readerLinks } from '../../functions/core/links.js';
import type { Issue } from '../../functions/core/issues/issue.js';
import type { OutgoingMessage } from '../../functions/core/ports.js';
import { publicationValues } from '../../functions/core/subscribers/messages.js';
import { TokenSigner } from '../../functions/core/tokens.js';
import { aPublication, anArticle, TEST_SECRET } from '../support/builders.js';

// Text around the splice points: line breaks on either side, blanks before them, "=", long runs
// with no break (soft breaks across a value), non-ASCII.
const piece = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.constantFrom('\n', '\r\n', ' \n', '\t\n', ' ', '=', 'é', '😀', '–', 'x'.repeat(90), ', '),
);
const fixedPart = fc.array(piece, { maxLength: 12 }).map((p) => p.join(''));
const value = fc.oneof(
  fc.webUrl({ withQueryParameters: true }),
  fc.emailAddress(),
  fc.constantFrom('', ' ', 'é', 'y'.repeat(120)),
);
const lines = (qp: string) => qp.split('\r\n');

describe('quoted-printable spliced at per-reader values', () => {
  it('gives the same bytes as encoding the whole body, so lines stay within 76 and soft breaks fall as before', () => {
    fc.assert(
      fc.property(
        fc.array(fixedPart, { minLength: 1, maxLength: 6 }),
        fc.array(value, { maxLength: 6 }),
        (parts, values) => {
          const fixed = parts;
          const vs = fixed.slice(1).map((_, i) => values[i % Math.max(values.length, 1)] ?? 'v');
          const whole = fixed.reduce((out, part, i) => out + (i > 0 ? vs[i - 1] : '') + part, '');
          const spliced = splicedQuotedPrintable({ fixed, values: vs });
          expect(spliced).toBe(quotedPrintable(whole));
          for (const line of lines(spliced)) expect(line.length).toBeLessThanOrEqual(76);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('encodes a template once for all readers: each reader gets their own values, not the last one', () => {
    const fixed = [`${'a'.repeat(100)}\n<a href="`, '">x</a>\n', ''];
    const first = splicedQuotedPrintable({ fixed, values: ['https://one.test/u/1', 'A'] });
    const second = splicedQuotedPrintable({ fixed, values: ['https://two.test/u/2', 'B'] });
    expect(first).toBe(quotedPrintable(`${fixed[0]}https://one.test/u/1${fixed[1]}A`));
    expect(second).toBe(quotedPrintable(`${fixed[0]}https://two.test/u/2${fixed[1]}B`));
  });
});

describe('an issue email composed from its spliced parts', () => {
  const publication = aPublication();
  const signer = new TokenSigner(TEST_SECRET);
  const composer = new MimeComposer({
    from: { name: 'The Test Gazette', address: 'news@example.org' },
  });
  const readers = [
    { id: 'sub_1', email: 'first@example.com' },
    { id: 'sub_2', email: 'o.neil+news@example.org' },
    { id: 'sub_3', email: 'третий@example.net' },
  ];

  const issue = {
    id: 'iss_1',
    content: { kind: 'article', slug: 'test-article' },
    subject: 'A test article',
    editorNote: 'A note from the editors.',
  } as Issue;

  async function messagesFor() {
    const body = 'Para one with = and é.\n\n'.repeat(40);
    const compiled = await new MjmlIssueRenderer('templates').render(
      issue,
      [anArticle({ html: `<p>${body}</p><p>${'long '.repeat(60)}</p>` })],
      publication,
    );
    const splice = prepareSplicing(compiled);
    return readers.map((reader): OutgoingMessage => {
      const links = readerLinks(publication, signer, reader.id);
      return {
        to: reader.email,
        subject: 'A test article',
        ...splice({
          ...publicationValues({ publication }),
          unsubscribe_url: links.unsubscribe,
          preferences_url: links.preferences,
          email: reader.email,
        }),
        headers: listHeaders(publication, links.unsubscribe),
      };
    });
  }

  it('is byte for byte the message composed from the whole HTML and text, for each reader', async () => {
    const date = new Date('2026-11-28T09:00:00Z');
    const stable = (raw: Buffer) =>
      raw
        .toString('latin1')
        .replace(/=_part_[0-9a-f]+/g, '=_part_B')
        .replace(/Message-ID: <[^>]+>/, 'Message-ID: <M>');
    for (const message of await messagesFor()) {
      const { spliced, ...plain } = message;
      expect(spliced).toBeDefined();
      const fromSplice = composer.compose(message, date);
      expect(stable(fromSplice)).toBe(stable(composer.compose(plain, date)));
      // Headers fold at blanks (a long link has none); the quoted-printable body always wraps.
      const body = fromSplice.toString('latin1').split('\r\n\r\n').slice(1).join('\r\n\r\n');
      for (const line of body.split('\r\n')) expect(line.length).toBeLessThanOrEqual(76);
    }
  });

  it("carries each reader's own links and address in the HTML, the text and List-Unsubscribe", async () => {
    const messages = await messagesFor();
    const seen = new Set<string>();
    for (const [i, message] of messages.entries()) {
      const mail = await simpleParser(composer.compose(message));
      const links = readerLinks(publication, signer, readers[i]!.id);
      expect(mail.html).toBe(message.html);
      expect(mail.text).toBe(message.text);
      expect(mail.html).toContain(`href="${links.unsubscribe}"`);
      expect(mail.html).toContain(`href="${links.preferences}"`);
      expect(mail.text).toContain(links.unsubscribe);
      expect(mail.text).toContain(readers[i]!.email);
      const listUnsubscribe = mail.headerLines.find((l) => l.key === 'list-unsubscribe')?.line;
      expect(listUnsubscribe?.replace(/\r\n[ \t]/g, ' ')).toBe(
        `List-Unsubscribe: <${links.unsubscribe}>`,
      );
      seen.add(links.unsubscribe);
    }
    expect(seen.size).toBe(readers.length);
  });
});
