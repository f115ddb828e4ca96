import { type AccessDeps, type ApiKeyRecord, editorsOf } from '../access/api-keys.js';
import type { Article } from '../content/article.js';
import { normalizeEmail } from '../email-address.js';
import { listHeaders } from '../email/list-headers.js';
import { personalSubject } from '../email/merge-tags.js';
import { preparePersonalization } from '../email/personalize.js';
import { DomainError, ErrorCodes } from '../errors.js';
import type { OutboxDeps } from '../outbox/deps.js';
import { queueMessage } from '../outbox/manage.js';
import type { IssueRenderer, SuppressionList } from '../ports.js';
import type { Publication } from '../publication.js';
import { publicationValues } from '../subscribers/messages.js';
import type { ArticleSource } from './deps.js';
import type { Issue } from './issue.js';

export type PreviewDeps = {
  renderer: IssueRenderer;
  articles: ArticleSource;
  publication: Publication;
};

/** An unsaved issue for one article, as "send now" would create it: for previews. */
export function draftFor(article: Article): Issue {
  const now = new Date().toISOString();
  return {
    id: `preview-${article.slug}`,
    content: { kind: 'article', slug: article.slug },
    subject: article.title,
    audience: { topics: article.topics, frequencies: ['immediate', 'daily', 'weekly'] },
    state: 'draft',
    deliveryKey: `article:${article.slug}`,
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
}

/**
 * The issue's email as a reader would get it (subject, HTML, text), rendered through the same
 * template and personalization as a send, with links that lead nowhere.
 */
export async function previewIssue(
  deps: PreviewDeps,
  issue: Issue,
  recipient = 'reader@example.com',
) {
  const slugs = issue.content.kind === 'article' ? [issue.content.slug] : issue.content.slugs;
  const articles: Article[] = [];
  for (const slug of slugs) {
    const article = await deps.articles.bySlug(slug);
    if (!article)
      throw new DomainError(ErrorCodes.notFound, `The article "${slug}" is not in content/.`);
    articles.push(article);
  }
  const personalize = preparePersonalization(
    await deps.renderer.render(issue, articles, deps.publication),
  );
  const base = deps.publication.baseUrl;
  const links = {
    unsubscribe_url: `${base}/unsubscribe/preview`,
    preferences_url: `${base}/preferences/preview`,
  };
  // A preview has no reader: every merge tag shows its fallback, as for a reader without a value.
  return {
    subject: personalSubject(issue.subject, {}),
    ...personalize({ ...publicationValues(deps), ...links, email: recipient }),
    unsubscribeUrl: links.unsubscribe_url,
  };
}

export const MAX_TEST_RECIPIENTS = 5;

type TestSendDeps = PreviewDeps &
  Pick<OutboxDeps, 'outbox' | 'clock'> &
  Pick<AccessDeps, 'apiKeys'> & { suppressions: SuppressionList };

const refusedTo = (message: string, field = message) =>
  new DomainError(ErrorCodes.invalidInput, message, { issues: [{ field: 'to', message: field }] });

/**
 * Sends the preview to editors, subject marked [TEST]: only to the addresses the workspace's keys
 * carry (the sender's own when none is given), at most five. Any other address is refused, so a
 * test never reaches a reader, a stranger or a typo's owner.
 */
export async function testSendIssue(
  deps: TestSendDeps,
  issue: Issue,
  addresses: string | undefined,
  sender: ApiKeyRecord,
) {
  if (!sender.email)
    throw new DomainError(
      ErrorCodes.forbidden,
      `The key "${sender.name}" carries no address of its own, so it cannot test-send: make its holder a new key with npm run keys -- create --email.`,
    );
  const list = (addresses ?? '').split(/[\s,;]+/).filter(Boolean);
  if (list.length === 0) list.push(sender.email);
  if (list.length > MAX_TEST_RECIPIENTS)
    throw refusedTo(
      `Give one to ${MAX_TEST_RECIPIENTS} addresses.`,
      `must list 1 to ${MAX_TEST_RECIPIENTS} addresses`,
    );
  const editors = new Set((await editorsOf(deps)).map((e) => e.email));
  const recipients = [
    ...new Set(
      list.map((address) => {
        const checked = normalizeEmail(address);
        if (!checked.ok)
          throw refusedTo(`${address}: ${checked.reason}`, `${address} ${checked.reason}`);
        if (!editors.has(checked.email))
          throw refusedTo(
            `${checked.email} is not an editor's address: test sends go only to the addresses of the workspace's keys.`,
            `${checked.email} is not an editor's address`,
          );
        return checked.email;
      }),
    ),
  ];
  // A suppressed address (a bounce, a complaint, an erasure, an editor's decision) gets nothing,
  // not even a test: mailing a complaint address again harms every reader's deliverability.
  const suppressed = await deps.suppressions.suppressedAmong(recipients);
  if (suppressed.size > 0) {
    const listed = [...suppressed].join(', ');
    throw refusedTo(
      `${listed} ${suppressed.size === 1 ? 'is' : 'are'} on the suppression list: test sends never go there.`,
      `${listed} is suppressed`,
    );
  }
  for (const to of recipients) {
    const preview = await previewIssue(deps, issue, to);
    // Queued like every transactional email: the outbox sends it at SES's pace, and says so if not.
    await queueMessage(deps, {
      to,
      subject: `[TEST] ${preview.subject}`,
      html: preview.html,
      text: preview.text,
      headers: listHeaders(deps.publication, preview.unsubscribeUrl),
      tags: { kind: 'test' },
    });
  }
  return recipients;
}
