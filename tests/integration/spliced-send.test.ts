import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MjmlIssueRenderer } from '../../functions/adapters/mjml/mjml-renderer.js';
import { MimeComposer } from '../../functions/adapters/ses/mime.js';
import { buildDeliveryDeps, parseConfig } from '../../functions/config.js';
import type { DeliveryDeps } from '../../functions/core/delivery/deps.js';
import { runWorker } from '../../functions/core/delivery/worker.js';
import { listHeaders } from '../../functions/core/email/list-headers.js';
import { preparePersonalization } from '../../functions/core/email/personalize.js';
import { findOrCreateEditorSend, sendIssueNow } from '../../functions/core/issues/manage-issues.js';
import { readerLinks } from '../../functions/core/links.js';
import { confirmSubscription } from '../../functions/core/subscribers/confirm.js';
import { publicationValues } from '../../functions/core/subscribers/messages.js';
import { subscribe } from '../../functions/core/subscribers/subscribe.js';
import { subscriberIdFor } from '../../functions/core/subscribers/subscriber.js';
import type { LocalStack } from '../../local/stack.js';
import { linkIn, tokenOf, uniqueEmail } from '../support/builders.js';
import { emailsTo, rawMessage, startTestStack } from '../support/stack.js';

const SLUG = 'nato-western-balkans-stability';

// The bulk send encodes each edition's fixed parts once and splices each reader's values in: what
// every reader receives must be what encoding their whole email gave, links and all.
describe('an issue sent to several readers, as SES received it', () => {
  let stack: LocalStack;
  let deps: DeliveryDeps;
  const readers = [uniqueEmail('splice-a'), uniqueEmail('splice-b'), uniqueEmail('splice-c')];

  beforeAll(async () => {
    stack = await startTestStack();
    for (const email of readers) {
      await subscribe(
        stack.deps,
        { email, topics: ['security'], frequency: 'immediate' },
        'hosted',
      );
      const [confirmation] = await emailsTo(stack.sesEndpoint, email);
      await confirmSubscription(stack.deps, tokenOf(linkIn(confirmation!.body.text!, 'confirm')));
    }
    deps = await buildDeliveryDeps(parseConfig(process.env), new MjmlIssueRenderer('templates'));
    const issue = await findOrCreateEditorSend(deps, SLUG);
    await sendIssueNow(deps, issue.id);
    await runWorker(deps, { issueId: issue.id });
  });
  afterAll(async () => stack?.close());

  /** The reader's email as the whole HTML and text, written the way every email was before. */
  async function expectedFor(email: string) {
    const article = (await deps.articles.bySlug(SLUG))!;
    const issue = await findOrCreateEditorSend(deps, SLUG);
    const compiled = await deps.renderer.render(issue, [article], deps.publication);
    const links = readerLinks(deps.publication, deps.signer, subscriberIdFor(email));
    return {
      to: email,
      subject: issue.subject,
      ...preparePersonalization(compiled)({
        ...publicationValues(deps),
        unsubscribe_url: links.unsubscribe,
        preferences_url: links.preferences,
        email,
      }),
      headers: listHeaders(deps.publication, links.unsubscribe),
      links,
    };
  }

  it("each reader's raw message is byte for byte the whole-body encoding, with their own links", async () => {
    const unsubscribeLinks = new Set<string>();
    for (const email of readers) {
      const [sent] = (await emailsTo(stack.sesEndpoint, email)).filter((e) =>
        e.subject.startsWith('NATO'),
      );
      const { raw, parsed } = await rawMessage(stack, sent!.messageId);
      const expected = await expectedFor(email);
      expect(sent!.body.html).toBe(expected.html);
      expect(parsed.html).toBe(expected.html);
      expect(parsed.text).toBe(expected.text);
      expect(parsed.html).toContain(`href="${expected.links.unsubscribe}"`);
      expect(parsed.html).toContain(`href="${expected.links.preferences}"`);
      unsubscribeLinks.add(expected.links.unsubscribe);

      const { links: _, ...plain } = expected;
      const composer = new MimeComposer({
        from: { name: deps.publication.fromName, address: deps.publication.fromAddress },
        replyTo: deps.publication.replyTo,
      });
      const boundary = /boundary="([^"]+)"/.exec(raw)![1]!;
      const messageId = /^Message-ID: (.+)$/m.exec(raw)![1]!;
      const rewritten = composer
        .compose(plain, parsed.date!)
        .toString('latin1')
        .replace(/=_part_[0-9a-f]+/g, boundary)
        .replace(/^Message-ID: .+$/m, `Message-ID: ${messageId}`);
      expect(raw).toBe(rewritten);
      const body = raw.slice(raw.indexOf('\r\n\r\n') + 4);
      for (const line of body.split('\r\n')) expect(line.length).toBeLessThanOrEqual(76);
    }
    expect(unsubscribeLinks.size).toBe(readers.length);
  });
});
