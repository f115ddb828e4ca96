/**
 * An editor's test send: never to a suppressed address, and its unsubscribe link (which belongs
 * to no reader) answers with a page that says so, not a broken-link 400.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createArticleIssue } from '../../functions/core/issues/manage-issues.js';
import { testSendIssue } from '../../functions/core/issues/preview.js';
import { createApp } from '../../functions/http/app.js';
import type { LocalStack } from '../../local/stack.js';
import { uniqueEmail } from '../support/builders.js';
import { quietLogger } from '../support/logger.js';
import { emailsTo, headerValue, rawMessage, startTestStack, waitFor } from '../support/stack.js';

let stack: LocalStack;
let app: ReturnType<typeof createApp>;
beforeAll(async () => {
  stack = await startTestStack();
  app = createApp(stack.deps, { logger: quietLogger() });
});
afterAll(async () => stack?.close());

describe('test sends', () => {
  it('refuse a suppressed address, naming it, and send nothing to anyone listed', async () => {
    const issue = await createArticleIssue(stack.deps, {
      article: 'nato-western-balkans-stability',
      id: 'test-send-suppressed',
    });
    const complained = uniqueEmail('complained');
    const editor = uniqueEmail('editor');
    await stack.deps.suppressions.suppress(complained, 'complaint', new Date());
    await expect(
      testSendIssue(stack.deps, issue, `${editor}, ${complained}`),
    ).rejects.toMatchObject({
      code: 'invalid_input',
      message: `${complained} is on the suppression list: test sends never go there.`,
    });
    expect(await emailsTo(stack.sesEndpoint, complained)).toEqual([]);
    expect(await emailsTo(stack.sesEndpoint, editor)).toEqual([]);
  });

  it('carry a one-click unsubscribe that answers 200 with a page saying it was a test', async () => {
    const issue = await createArticleIssue(stack.deps, {
      article: 'nato-western-balkans-stability',
      id: 'test-send-links',
    });
    const editor = uniqueEmail('editor');
    await testSendIssue(stack.deps, issue, editor);
    const [sent] = await waitFor(async () => {
      const found = await emailsTo(stack.sesEndpoint, editor);
      return found.length ? found : undefined;
    }, 'the test email');
    const { parsed } = await rawMessage(stack, sent!.messageId);
    const url = new URL(/<([^>]+)>/.exec(headerValue(parsed, 'List-Unsubscribe')!)![1]!);
    for (const method of ['GET', 'POST']) {
      const response = await app.request(url.pathname, {
        method,
        ...(method === 'POST' && {
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: 'List-Unsubscribe=One-Click',
        }),
      });
      expect(response.status, method).toBe(200);
      expect(await response.text()).toContain('This was a test email');
    }
  });
});
