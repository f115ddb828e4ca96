import { cp, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MjmlIssueRenderer } from '../../functions/adapters/mjml/mjml-renderer.js';
import { MimeComposer } from '../../functions/adapters/ses/mime.js';
import { buildDeliveryDeps, parseConfig } from '../../functions/config.js';
import type { DeliveryDeps } from '../../functions/core/delivery/deps.js';
import { runWorker } from '../../functions/core/delivery/worker.js';
import { listHeaders } from '../../functions/core/email/list-headers.js';
import { personalSubject, readerValues } from '../../functions/core/email/merge-tags.js';
import { preparePersonalization } from '../../functions/core/email/personalize.js';
import type { Issue } from '../../functions/core/issues/issue.js';
import { createArticleIssue, sendIssueNow } from '../../functions/core/issues/manage-issues.js';
import { readerLinks } from '../../functions/core/links.js';
import { confirmSubscription } from '../../functions/core/subscribers/confirm.js';
import { publicationValues } from '../../functions/core/subscribers/messages.js';
import { subscriberIdFor } from '../../functions/core/subscribers/subscriber.js';
import type { ErrorEnvelope } from '../../functions/http/errors.js';
import type { LocalStack } from '../../local/stack.js';
import { linkIn, tokenOf, uniqueEmail } from '../support/builders.js';
import { emailsTo, rawMessage, startTestStack } from '../support/stack.js';

const SLUG = 'a-letter-to-readers';
const ARTICLE = `---
title: A letter to our readers
date: 2026-12-01
summary: What we plan for next year.
topics: [security]
desk: Editors
---
Dear %%name|reader%%,

Our correspondent in %%fields.city|your city%% writes every week.
`;

/** Three readers: a name to escape and a city, a script for a name and no city, nothing given. */
const readers = [
  { email: uniqueEmail('tags-a'), name: 'Tom & "Jerry"', fields: { city: 'Skopje <North>' } },
  { email: uniqueEmail('tags-b'), name: '<script>alert(1)</script>' },
  { email: uniqueEmail('tags-c') },
  { email: uniqueEmail('tags-d'), name: 'Zoë Łukasz' },
];

describe('merge tags, as the SES emulator received them', () => {
  let stack: LocalStack;
  let deps: DeliveryDeps;
  let issue: Issue;

  const post = (body: unknown) =>
    fetch(`${stack.appUrl}/api/subscribe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    const contentDir = join(await mkdtemp(join(tmpdir(), 'dispatch-content-')), 'content');
    await cp('content', contentDir, { recursive: true });
    await writeFile(join(contentDir, `${SLUG}.md`), ARTICLE);
    stack = await startTestStack({ CONTENT_DIR: contentDir });
    for (const reader of readers) {
      const response = await post({ ...reader, topics: ['security'], frequency: 'immediate' });
      expect(response.status).toBe(202);
      const [confirmation] = await emailsTo(stack.sesEndpoint, reader.email);
      await confirmSubscription(stack.deps, tokenOf(linkIn(confirmation!.body.text!, 'confirm')));
    }
    deps = await buildDeliveryDeps(
      parseConfig({ ...process.env, ...stack.env }),
      new MjmlIssueRenderer('templates'),
    );
    issue = await createArticleIssue(deps, {
      article: SLUG,
      subject: 'For %%name|you%%: our letter',
      topics: ['security'],
      frequencies: ['immediate'],
    });
    await sendIssueNow(deps, issue.id);
    await runWorker(deps, { issueId: issue.id });
  });
  afterAll(async () => stack?.close());

  const received = async (email: string) => {
    const [sent] = (await emailsTo(stack.sesEndpoint, email)).filter(
      (e) => e.destination.to.some((to) => to.includes(email)) && e.subject.includes('our letter'),
    );
    expect(sent, `${email} got the issue`).toBeDefined();
    return { sent: sent!, ...(await rawMessage(stack, sent!.messageId)) };
  };

  it('fills a name and a field, escaped in the HTML part and plain in the text part', async () => {
    const { parsed } = await received(readers[0]!.email);
    expect(parsed.subject).toBe('For Tom & "Jerry": our letter');
    expect(parsed.html).toContain('Dear Tom &#38; &#34;Jerry&#34;,');
    expect(parsed.html).toContain('correspondent in Skopje &#60;North&#62; writes');
    expect(parsed.text).toContain('Dear Tom & "Jerry",');
    expect(parsed.text).toMatch(/correspondent in Skopje <North>\s+writes/);
  });

  it('never lets a name become markup: a <script> arrives as text', async () => {
    const { parsed } = await received(readers[1]!.email);
    expect(parsed.html).toContain('Dear &#60;script&#62;alert(1)&#60;/script&#62;,');
    expect(parsed.html).not.toContain('<script>alert(1)');
    expect(parsed.text).toContain('Dear <script>alert(1)</script>,');
    // No city: the fallback, as the editor typed it.
    expect(parsed.text).toMatch(/correspondent in your\s+city writes/);
    expect(parsed.subject).toBe('For <script>alert(1)</script>: our letter');
  });

  it("takes each tag's fallback for a reader who gave nothing", async () => {
    const { parsed } = await received(readers[2]!.email);
    expect(parsed.subject).toBe('For you: our letter');
    expect(parsed.html).toContain('Dear reader,');
    expect(parsed.html).toContain('correspondent in your city writes');
    expect(parsed.html).not.toContain('%%');
    expect(parsed.text).not.toContain('%%');
  });

  it('encodes a name outside ASCII in the Subject header (RFC 2047)', async () => {
    const { raw, parsed } = await received(readers[3]!.email);
    const subjectLine = /^Subject: (.+(?:\r\n .+)*)/m.exec(raw)![1]!;
    expect(subjectLine).toMatch(/=\?UTF-8\?Q\?/i);
    expect(subjectLine).not.toContain('Zoë');
    expect(parsed.subject).toBe('For Zoë Łukasz: our letter');
  });

  it("each reader's raw message is byte for byte the whole-body encoding of their values", async () => {
    const article = (await deps.articles.bySlug(SLUG))!;
    const compiled = await deps.renderer.render(issue, [article], deps.publication);
    const composer = new MimeComposer({
      from: { name: deps.publication.fromName, address: deps.publication.fromAddress },
      replyTo: deps.publication.replyTo,
    });
    for (const reader of readers) {
      const { raw, parsed } = await received(reader.email);
      const stored = (await stack.deps.subscribers.get(subscriberIdFor(reader.email)))!;
      const links = readerLinks(deps.publication, deps.signer, stored.id);
      const values = readerValues(stored);
      const whole = preparePersonalization(compiled)({
        ...values,
        ...publicationValues(deps),
        unsubscribe_url: links.unsubscribe,
        preferences_url: links.preferences,
        email: reader.email,
      });
      const boundary = /boundary="([^"]+)"/.exec(raw)![1]!;
      const messageId = /^Message-ID: (.+)$/m.exec(raw)![1]!;
      const rewritten = composer
        .compose(
          {
            to: reader.email,
            subject: personalSubject(issue.subject, values),
            ...whole,
            headers: listHeaders(deps.publication, links.unsubscribe),
          },
          parsed.date!,
        )
        .toString('latin1')
        .replace(/=_part_[0-9a-f]+/g, boundary)
        .replace(/^Message-ID: .+$/m, `Message-ID: ${messageId}`);
      expect(raw).toBe(rewritten);
    }
  });

  it('refuses an undeclared field, a wrong type and an editor-only field by name (422)', async () => {
    const cases: [unknown, string, RegExp][] = [
      [{ planet: 'Mars' }, 'fields.planet', /not a declared field/],
      [{ city: 5 }, 'fields.city', /must be text/],
      [{ print_subscriber: true }, 'fields.print_subscriber', /editors only/],
    ];
    for (const [fields, field, message] of cases) {
      const response = await post({ email: uniqueEmail('tags-bad'), fields });
      expect(response.status).toBe(422);
      const body = (await response.json()) as ErrorEnvelope;
      expect(body.error.issues).toEqual([{ field, message: expect.stringMatching(message) }]);
    }
    const response = await post({ email: uniqueEmail('tags-bad'), name: 'Line\nbreak' });
    expect(response.status).toBe(422);
    expect(await response.json()).toMatchObject({ error: { issues: [{ field: 'name' }] } });
  });
});
