import fc from 'fast-check';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { MimeComposer } from '../../functions/adapters/ses/mime.js';
import { SesMailer } from '../../functions/adapters/ses/ses-mailer.js';
import { MailFailure } from '../../functions/core/ports.js';
import { createLogger } from '../../functions/logger.js';
import { startSesGateway } from '../../local/ses-gateway.js';

// What a mail client shows, read back from our bytes by a real MIME parser (mailparser).
const composer = (fromName: string) =>
  new MimeComposer({
    from: { name: fromName, address: 'news@example.org' },
    replyTo: 'editors@example.org',
  });

// Text that exercises the encoders: non-ASCII, "=", trailing blanks before line breaks, long lines.
const bodyText = fc
  .array(
    fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 40 }),
      fc.constantFrom(
        '=',
        '=3D',
        ' \n',
        '\t\n',
        '\r\n',
        '\n',
        '.',
        'From ',
        '–',
        'é',
        '😀',
        '--=_part_',
        'x'.repeat(200),
      ),
    ),
    { maxLength: 30 },
  )
  .map((parts) => parts.join('') || 'x'); // a list message always has both parts
// Subjects and names as editors write them: never blank, no blanks around them (a parser trims those).
const oneLine = fc
  .string({ unit: 'grapheme', minLength: 1, maxLength: 120 })
  .map((s) => s.replace(/^\s+|\s+$/g, '') || 'x');

describe('MIME of a list message', () => {
  it('a parser reads back exactly the subject, sender, recipient, headers, text and HTML it was given', async () => {
    await fc.assert(
      fc.asyncProperty(
        oneLine,
        oneLine,
        bodyText,
        bodyText,
        fc.webUrl(),
        async (fromName, subject, text, html, url) => {
          const raw = composer(fromName).compose({
            to: 'reader+tag@example.com',
            subject,
            text,
            html,
            headers: {
              'List-Unsubscribe': `<${url}>`,
              'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
              'List-Id': 'The Gazette <gazette.example.org>',
            },
          });
          const mail = await simpleParser(raw);
          const oneLined = (v: string) => v.replace(/\r?\n|\r/g, ' ');
          expect(mail.subject).toBe(oneLined(subject));
          expect(mail.from?.value[0]).toMatchObject({ address: 'news@example.org' });
          expect(mail.from?.value[0]?.name).toBe(oneLined(fromName).trim());
          expect(mail.to && !Array.isArray(mail.to) && mail.to.value[0]?.address).toBe(
            'reader+tag@example.com',
          );
          expect(mail.replyTo?.value[0]?.address).toBe('editors@example.org');
          const headerLine = (key: string) =>
            mail.headerLines.find((l) => l.key === key)?.line.replace(/\r\n([ \t])/g, '$1');
          expect(headerLine('list-unsubscribe-post')).toBe(
            'List-Unsubscribe-Post: List-Unsubscribe=One-Click',
          );
          expect(headerLine('list-unsubscribe')?.replace(/:\s+/, ': ')).toBe(
            `List-Unsubscribe: <${url}>`,
          );
          // Line endings become CRLF on the wire; the content is otherwise the same, byte for byte.
          const crlf = (v: string) => v.replace(/\r?\n|\r/g, '\n');
          expect(crlf(mail.text ?? '')).toBe(crlf(text));
          expect(crlf(typeof mail.html === 'string' ? mail.html : '')).toBe(crlf(html));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('keeps every line within 78 characters, so no relay rewraps it, and the body is 7-bit', () => {
    const raw = composer('Regional Dispatch – Ünï').compose({
      to: 'reader@example.com',
      subject:
        'A subject long enough to fold, with non-ASCII “quotes” and – dashes, and more words to go',
      text: `${'word '.repeat(60)}\n${'y'.repeat(300)}  \nend`,
      html: `<p>${'é'.repeat(200)}</p>`,
      headers: { 'List-Unsubscribe': `<https://news.example.org/unsubscribe/${'t'.repeat(180)}>` },
    });
    const lines = raw.toString('latin1').split('\r\n');
    const tooLong = lines.filter(
      (l) => l.length > 78 && !l.includes('https://news.example.org/unsubscribe/'),
    );
    expect(tooLong).toEqual([]);
    expect([...raw].every((byte) => byte < 0x80)).toBe(true);
    expect(lines.some((l) => / $/.test(l))).toBe(false); // trailing blanks are encoded, not dropped by relays
  });

  it("keeps the <list.id> of List-Id readable when the publication's name is not ASCII (mail filters key on it)", async () => {
    const raw = composer('Gazette').compose({
      to: 'reader@example.com',
      subject: 's',
      text: 't',
      html: 'h',
      headers: { 'List-Id': 'La Gazette – Édition <news.gazette.example.org>' },
    });
    const line = raw
      .toString('latin1')
      .split('\r\n\r\n')[0]!
      .replace(/\r\n[ \t]/g, ' ')
      .split('\r\n')
      .find((l) => l.startsWith('List-Id:'))!;
    expect(line).toMatch(/^List-Id: =\?UTF-8\?Q\?.*\?= <news\.gazette\.example\.org>$/);
    const mail = await simpleParser(raw);
    expect(mail.headerLines.find((l) => l.key === 'list-id')?.line).toContain(
      '<news.gazette.example.org>',
    );
    expect(mail.headers.get('list')).toMatchObject({ id: { id: 'news.gazette.example.org' } }); // what a filter reads
  });

  it('refuses a recipient that is not one mailbox, instead of writing it into the To header', () => {
    for (const to of [
      'a@example.com, b@example.com',
      'a@example.com\r\nBcc: b@example.com',
      'Name <a@example.com>',
      'no-at-sign',
    ]) {
      expect(() => composer('x').compose({ to, subject: 's', text: 't', html: 'h' }), to).toThrow(
        /not a mailbox address/,
      );
    }
  });

  it('a message that cannot be written is a definite refusal (never sent), not an unknown outcome', async () => {
    const ses = await startSesGateway({ port: 0, maxSendRate: 1_000 });
    try {
      const mailer = new SesMailer({
        from: { name: 'x', address: 'news@example.org' },
        logger: createLogger(),
        clientConfig: {
          endpoint: ses.url,
          region: 'us-east-1',
          credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        },
      });
      const failure = await mailer
        .send({ to: 'not an address', subject: 's', text: 't', html: 'h' })
        .catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(MailFailure);
      expect(failure).toMatchObject({ kind: 'rejected' });
      expect(ses.accepted.size).toBe(0);
      // The same mailer sends a well-formed message: the refusal was about the message, not SES.
      await mailer.send({ to: 'reader@example.com', subject: 's', text: 't', html: 'h' });
      expect(ses.accepted.get('reader@example.com')).toBe(1);
    } finally {
      await ses.close();
    }
  });

  it('a local copy that cannot be kept does not fail a send SES accepted: it is reported on the logger', async () => {
    const ses = await startSesGateway({ port: 0, maxSendRate: 1_000 });
    try {
      const reported: unknown[][] = [];
      const mailer = new SesMailer({
        from: { name: 'x', address: 'news@example.org' },
        clientConfig: {
          endpoint: ses.url,
          region: 'us-east-1',
          credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        },
        archive: async () => {
          throw new Error('disk full');
        },
        logger: { error: (...line: unknown[]) => void reported.push(line) },
      });
      const { messageId } = await mailer.send({
        to: 'reader@example.com',
        subject: 's',
        text: 't',
        html: 'h',
      });
      expect(ses.accepted.get('reader@example.com')).toBe(1);
      expect(reported).toEqual([
        [expect.stringMatching(/outbox/), { messageId, error: new Error('disk full') }],
      ]);
    } finally {
      await ses.close();
    }
  });
});
