/**
 * A/B subjects in the workspace, in a real browser: an editor sets a test on the compose form (a
 * refused one comes back on the form with its field named), the issue is sent (its sample, the
 * winner chosen by the tick's step, the rest), and its page shows each variant's sends, opens and
 * clicks, the winner and the rule. Every page passes the workspace's accessibility checks.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MjmlIssueRenderer } from '../../functions/adapters/mjml/mjml-renderer.js';
import { buildDeliveryDeps, parseConfig } from '../../functions/config.js';
import { createApiKey } from '../../functions/core/access/api-keys.js';
import { sendDueWinners } from '../../functions/core/delivery/ab-phases.js';
import { runWorker } from '../../functions/core/delivery/worker.js';
import { sendIssueNow } from '../../functions/core/issues/manage-issues.js';
import type { LocalStack } from '../../local/stack.js';
import { aSubscriber } from '../support/builders.js';
import { browserAvailable, launchChromium } from '../support/browser.js';
import { accessibilityProblems, signedInPage, submitAndLoad } from '../support/workspace-page.js';
import { seedReaders, startTestStack } from '../support/stack.js';
import { nuErrors } from '../../scripts/pages/vnu.js';

describe.skipIf(!browserAvailable())('A/B subjects in the workspace', () => {
  let stack: LocalStack;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    stack = await startTestStack({ LOCAL_SES_MAX_SEND_RATE: '1000', SEND_RATE: '500' });
    await seedReaders(stack, 30, (i) =>
      aSubscriber({ topics: ['security'], email: `ws-ab.${i}@example.com` }),
    );
    const key = (
      await createApiKey(stack.deps, { name: 'Ana', email: 'ana@example.org', role: 'editor' })
    ).key;
    browser = await launchChromium();
    page = await signedInPage(browser, stack.appUrl, key);
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  const submit = (button: ReturnType<Page['getByRole']>) => submitAndLoad(page, button);

  it('sets a test on the compose form, refuses a bad one there, and reports each variant and the winner', async () => {
    const found: string[] = [];
    await page.goto(`${stack.appUrl}/admin/issues`);
    found.push(...(await accessibilityProblems(page)));
    await page.getByLabel('Subject A').fill('Only one subject');
    await submit(page.getByRole('button', { name: 'Create draft' }));
    expect(await page.getByRole('alert').textContent()).toContain('A/B subjects');
    expect(await page.getByLabel('Subject A').inputValue()).toBe('Only one subject');
    found.push(...(await accessibilityProblems(page)));

    await page.getByLabel('Subject B').fill('The other subject');
    await page.getByLabel('Share of the audience per subject (%)').fill('20');
    await page.getByLabel('The winner has the most').selectOption('clicks');
    await page.getByLabel('Wait before choosing (minutes)').fill('0');
    await submit(page.getByRole('button', { name: 'Create draft' }));
    const id = page.url().split('/admin/issues/')[1]!.split('?')[0]!;
    expect((await stack.deps.issues.get(id))?.abTest).toMatchObject({
      variants: [
        { id: 'a', subject: 'Only one subject' },
        { id: 'b', subject: 'The other subject' },
      ],
      samplePercent: 20,
      metric: 'clicks',
      waitMinutes: 0,
    });

    const deps = await buildDeliveryDeps(
      parseConfig({ ...process.env, ...stack.env }),
      new MjmlIssueRenderer('templates'),
    );
    await sendIssueNow(deps, id);
    await runWorker(deps, { issueId: id });
    await page.reload();
    expect(await page.getByTestId('state').textContent()).toBe('testing');
    expect(await page.getByTestId('ab-rule').textContent()).toContain('The winner is chosen at');
    found.push(...(await accessibilityProblems(page)));

    await sendDueWinners(deps);
    await runWorker(deps, { issueId: id });
    await page.reload();
    expect(await page.getByTestId('state').textContent()).toBe('sent');
    // Nobody clicked: a tie, which goes to the first subject.
    expect(await page.getByTestId('ab-rule').textContent()).toContain('Winner: A');
    const rows = await page.getByTestId('ab-variants').locator('tbody tr').allTextContents();
    expect(rows).toHaveLength(3);
    expect(rows[2]).toContain('The rest');
    found.push(...(await accessibilityProblems(page)));
    expect(found).toEqual([]);
    // Valid HTML to the Nu Html Checker, as every page of the tour is (valid-html.test.ts).
    const html = await (await page.request.get(page.url())).text();
    expect(html).toContain('data-testid="ab-variants"');
    expect([...(await nuErrors([{ name: 'ab-issue', html }])).values()].flat()).toEqual([]);
  }, 120_000);
});
