import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MjmlIssueRenderer } from '../../functions/adapters/mjml/mjml-renderer.js';
import { buildDeliveryDeps, parseConfig } from '../../functions/config.js';
import { createApiKey } from '../../functions/core/access/api-keys.js';
import { runWorker } from '../../functions/core/delivery/worker.js';
import {
  createArticleIssue,
  issueReport,
  sendIssueNow,
} from '../../functions/core/issues/manage-issues.js';
import { MailFailure } from '../../functions/core/ports.js';
import type { Subscriber } from '../../functions/core/subscribers/subscriber.js';
import type { LocalStack } from '../../local/stack.js';
import { aSubscriber } from '../support/builders.js';
import { browserAvailable, launchChromium } from '../support/browser.js';
import { seedReaders, startTestStack } from '../support/stack.js';

/** An editor decides on an ambiguous reader in a real browser: the page says what will happen first. */
describe.skipIf(!browserAvailable())('ambiguous readers in the workspace', () => {
  let stack: LocalStack;
  let browser: Browser;
  let page: Page;
  let readers: Subscriber[];
  let deps: Awaited<ReturnType<typeof buildDeliveryDeps>>;
  const id = 'workspace-ambiguous';

  beforeAll(async () => {
    stack = await startTestStack();
    readers = await seedReaders(stack, 3, (i) =>
      aSubscriber({ topics: ['security'], email: `reader.${i}@example.com` }),
    );
    deps = await buildDeliveryDeps(parseConfig(process.env), new MjmlIssueRenderer('templates'));
    const send = deps.mailer.send.bind(deps.mailer);
    // SES takes the message to the second reader and answers 500: that reader is ambiguous.
    deps.mailer.send = async (message) => {
      const accepted = await send(message);
      if (message.to === readers[1]!.email) throw new MailFailure('unknown', 'SES answered 500');
      return accepted;
    };
    const issue = await createArticleIssue(deps, {
      article: 'nato-western-balkans-stability',
      topics: ['security'],
      id,
    });
    await sendIssueNow(deps, issue.id);
    await runWorker(deps, { issueId: issue.id });
    const key = (
      await createApiKey(stack.deps, {
        name: 'Ana Editor',
        email: 'ana.editor@example.org',
        role: 'editor',
      })
    ).key;
    browser = await launchChromium();
    page = await (await browser.newContext()).newPage();
    page.setDefaultTimeout(8_000);
    await page.goto(`${stack.appUrl}/admin/sign-in`);
    await page.getByLabel('API key').fill(key);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${stack.appUrl}/admin`);
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  const submit = async (button: ReturnType<Page['getByRole']>) => {
    await Promise.all([
      page.waitForEvent('framenavigated', { predicate: (f) => f === page.mainFrame() }),
      button.click(),
    ]);
    await page.waitForLoadState('domcontentloaded');
  };

  it('lists the reader by address, and says what each decision does before anything changes', async () => {
    const unlucky = readers[1]!;
    await page.goto(`${stack.appUrl}/admin/issues/${id}`);
    const listed = page.getByTestId('ambiguous');
    expect(await listed.textContent()).toContain(unlucky.email);
    expect(await listed.textContent()).toContain('SES answered 500');

    await submit(listed.getByRole('button', { name: 'Send again' }));
    expect(await page.getByTestId('consequence').textContent()).toContain(
      `Send again: ${unlucky.email} may receive it twice if SES did deliver it.`,
    );
    // Asked, not done: the reader is still ambiguous and the issue still sent.
    let report = await issueReport(deps, id);
    expect(report).toMatchObject({ ambiguous: [unlucky.id], resolutions: [] });
    expect(report.issue.state).toBe('sent');
    await page.getByRole('link', { name: 'Cancel: change nothing' }).click();

    await submit(page.getByTestId('ambiguous').getByRole('button', { name: 'Mark as delivered' }));
    expect(await page.getByTestId('consequence').textContent()).toBe(
      `Mark as delivered: ${unlucky.email} will never be sent this issue.`,
    );
    expect((await issueReport(deps, id)).resolutions).toEqual([]);
    await page.getByLabel('Why').fill('It is in their inbox');
    await submit(page.getByRole('button', { name: 'Mark as delivered' }));

    expect(await page.getByRole('status').textContent()).toContain('Decision recorded');
    expect(await page.getByTestId('progress').textContent()).toContain('3 sent');
    expect(await page.getByTestId('ambiguous').textContent()).toContain(
      'mark as delivered by Ana Editor',
    );
    report = await issueReport(deps, id);
    expect(report.counts).toMatchObject({ sent: 3, ambiguous: 0 });
    expect(report.resolutions[0]).toMatchObject({
      by: 'Ana Editor',
      reason: 'It is in their inbox',
    });
  }, 60_000);
});
