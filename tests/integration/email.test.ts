import { HIDDEN_LINK_PARAMETER, isHiddenLink } from '../../functions/core/events/engagement.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MjmlIssueRenderer } from '../../functions/adapters/mjml/mjml-renderer.js';
import { buildDeliveryDeps, parseConfig } from '../../functions/config.js';
import { runWorker } from '../../functions/core/delivery/worker.js';
import { findOrCreateEditorSend, sendIssueNow } from '../../functions/core/issues/manage-issues.js';
import { confirmSubscription } from '../../functions/core/subscribers/confirm.js';
import { subscribe } from '../../functions/core/subscribers/subscribe.js';
import type { LocalStack } from '../../local/stack.js';
import { linkIn, tokenOf, uniqueEmail } from '../support/builders.js';
import { emailsTo, headerValue, rawMessage, startTestStack } from '../support/stack.js';

const SLUG = 'nato-western-balkans-stability';

describe('emails as they leave for SES (raw MIME parsed with mailparser)', () => {
  let stack: LocalStack;
  const email = uniqueEmail('mime');

  beforeAll(async () => {
    stack = await startTestStack();
    await subscribe(stack.deps, { email, topics: ['security'], frequency: 'immediate' }, 'hosted');
    const [confirmation] = await emailsTo(stack.sesEndpoint, email);
    await confirmSubscription(stack.deps, tokenOf(linkIn(confirmation!.body.text!, 'confirm')));
    const deps = await buildDeliveryDeps(
      parseConfig(process.env),
      new MjmlIssueRenderer('templates'),
    );
    const issue = await findOrCreateEditorSend(deps, SLUG);
    await sendIssueNow(deps, issue.id);
    await runWorker(deps, { issueId: issue.id });
  });
  afterAll(async () => stack?.close());

  const mail = async (subjectStart: string) => {
    const found = (await emailsTo(stack.sesEndpoint, email)).find((e) =>
      e.subject.startsWith(subjectStart),
    );
    if (!found) throw new Error(`no "${subjectStart}" email to ${email}`);
    return rawMessage(stack, found.messageId);
  };

  it('the article email carries one-click unsubscribe (RFC 8058), List-Id and the sender from configuration', async () => {
    const { parsed } = await mail('NATO Reaffirms');
    const base = stack.appUrl;
    expect(headerValue(parsed, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
    expect(headerValue(parsed, 'List-Unsubscribe')).toMatch(
      new RegExp(`^<${base}/unsubscribe/[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+>$`),
    );
    expect(headerValue(parsed, 'List-Id')).toBe('The Regional Dispatch <newsletter.127.0.0.1>');
    expect(parsed.from?.value[0]).toEqual({
      name: 'The Regional Dispatch',
      address: 'newsletter@dispatch.example',
    });
    expect(parsed.to && 'value' in parsed.to ? parsed.to.value[0]!.address : '').toBe(email);
    expect(parsed.subject).toBe(
      'NATO Reaffirms Its Commitment to Stability in the Western Balkans',
    );
  });

  it('is multipart/alternative with a real text part and HTML under Gmail’s 102 KB clipping limit', async () => {
    const { raw, parsed } = await mail('NATO Reaffirms');
    expect(raw).toMatch(/Content-Type: multipart\/alternative/i);
    expect(parsed.text).toContain('NATO has reiterated its unwavering commitment');
    expect(parsed.text).toContain('Escalating Tensions and New Alliances');
    expect(parsed.text).toMatch(/Unsubscribe\s*\[https?:\/\/[^\]]+\/unsubscribe\//);
    expect(parsed.text).not.toMatch(/<[a-z]+[ >]/i);
    const html = parsed.html as string;
    expect(Buffer.byteLength(html)).toBeLessThan(102 * 1024);
    expect(`${html}${parsed.text}`).not.toContain('%%');
    // The scanners' hidden link: once in the HTML, empty, hidden from sight, assistive technology
    // and the tab order; nowhere in the text part, where a reader could follow it.
    const hidden = [
      ...html.matchAll(
        /<div style="display:none[^"]*" aria-hidden="true"><a href="([^"]+)" tabindex="-1"><\/a><\/div>/g,
      ),
    ];
    expect(hidden).toHaveLength(1);
    expect(isHiddenLink(hidden[0]![1]!.replaceAll('&amp;', '&'))).toBe(true);
    expect(parsed.text).not.toContain(HIDDEN_LINK_PARAMETER);
  });

  it('shows a visible unsubscribe link and a preferences link in the footer, and links to the web version', async () => {
    const { parsed } = await mail('NATO Reaffirms');
    const html = parsed.html as string;
    const unsubscribeUrl = headerValue(parsed, 'List-Unsubscribe')!.slice(1, -1);
    expect(html).toMatch(
      new RegExp(
        `<a href="${unsubscribeUrl.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"[^>]*>Unsubscribe</a>`,
      ),
    );
    expect(html).toMatch(
      /<a href="http:\/\/127\.0\.0\.1:\d+\/preferences\/[^"]+"[^>]*>Manage your preferences<\/a>/,
    );
    expect(html).toContain(`href="${stack.appUrl}/articles/${SLUG}"`);
    expect(html).toContain('1 Example Street, 10000 Example City');
    expect(html).toContain('Albanian Parliament Stunned as AI &#39;Minister&#39; Delivers Speech');
  });

  it('the confirmation email has the confirm link and no list headers; the welcome has them', async () => {
    const confirmation = await mail('Confirm your subscription');
    expect(confirmation.parsed.text).toMatch(new RegExp(`${stack.appUrl}/confirm/`));
    expect(headerValue(confirmation.parsed, 'List-Unsubscribe')).toBeUndefined();
    const welcome = await mail('Welcome to');
    expect(headerValue(welcome.parsed, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
    expect(welcome.parsed.html).toContain('/preferences/');
  });
});
