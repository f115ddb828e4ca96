import { createRequire } from 'node:module';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../functions/core/access/api-keys.js';
import { createArticleIssue } from '../../functions/core/issues/manage-issues.js';
import type { LocalStack } from '../../local/stack.js';
import { browserAvailable, launchChromium } from '../support/browser.js';
import { emailsTo, startTestStack, waitFor } from '../support/stack.js';

/**
 * An editor edits a draft in a real browser: a refused edit comes back on the form with what was
 * typed, a saved one shows in the issue's history, and the test send offers the editors' own
 * addresses only.
 */
describe.skipIf(!browserAvailable())('editing a draft in a real browser', () => {
  let stack: LocalStack;
  let browser: Browser;
  let page: Page;
  let issueUrl: string;

  beforeAll(async () => {
    stack = await startTestStack();
    const { key } = await createApiKey(stack.deps, {
      name: 'Ana Editor',
      email: 'ana@example.org',
      role: 'editor',
    });
    await createApiKey(stack.deps, {
      name: 'Ben Viewer',
      email: 'ben@example.org',
      role: 'viewer',
    });
    const issue = await createArticleIssue(stack.deps, {
      article: 'nato-western-balkans-stability',
      id: 'edited-in-a-browser',
    });
    issueUrl = `${stack.appUrl}/admin/issues/${issue.id}`;
    browser = await launchChromium();
    page = await (await browser.newContext({ bypassCSP: true })).newPage();
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

  const submit = async (name: string) => {
    await Promise.all([
      page.waitForEvent('framenavigated', { predicate: (f) => f === page.mainFrame() }),
      page.getByRole('button', { name }).click(),
    ]);
    await page.waitForLoadState('domcontentloaded');
  };
  const edit = () => page.locator('#edit');

  it('keeps what was typed when an edit is refused, and shows a saved one in the history', async () => {
    await page.goto(issueUrl);
    await page.getByText('Edit this draft').click();
    await edit().getByLabel('Subject', { exact: true }).fill('Edited in the browser');
    for (const box of ['Every article, as it is published', 'A daily digest', 'A weekly digest'])
      await edit().getByLabel(box).uncheck();
    await submit('Save changes');
    expect(await page.getByRole('alert').textContent()).toMatch(
      /^Nothing was changed\. Please correct:Readers who chose: /,
    );
    expect(await edit().getByLabel('Subject', { exact: true }).inputValue()).toBe(
      'Edited in the browser',
    );
    expect(await stack.deps.issues.get('edited-in-a-browser')).toMatchObject({
      subject: 'NATO Reaffirms Its Commitment to Stability in the Western Balkans',
    });

    await edit().getByLabel('A daily digest').check();
    await edit().getByLabel('Security and defence').uncheck();
    await submit('Save changes');
    expect(await page.getByRole('status').textContent()).toBe(
      'Changes saved: the history below says what changed.',
    );
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(
      'Edited in the browser',
    );
    const history = await page.getByTestId('history').locator('tbody').textContent();
    expect(history).toContain('Ana Editor');
    expect(history).toContain(
      'Subject: “NATO Reaffirms Its Commitment to Stability in the Western Balkans” → “Edited in the browser”',
    );
    expect(history).toContain(
      'Topics: Security and defence, Politics and diplomacy → Politics and diplomacy',
    );
    expect(history).toContain(
      'Readers who chose: every article, daily digests, weekly digests → daily digests',
    );
  });

  it('test-sends to a choice of the editors’ own addresses, hers chosen, and lists the editors', async () => {
    await page.goto(issueUrl);
    const to = page.getByLabel(/^Test-send to/);
    expect(await to.locator('option').allTextContents()).toEqual([
      'Ana Editor <ana@example.org>',
      'Ben Viewer <ben@example.org>',
    ]);
    expect(await to.inputValue()).toBe('ana@example.org');
    await to.selectOption(['ana@example.org', 'ben@example.org']);
    await submit('Send test');
    for (const address of ['ana@example.org', 'ben@example.org']) {
      const sent = await waitFor(async () => {
        const found = await emailsTo(stack.sesEndpoint, address);
        return found.length ? found : undefined;
      }, `the test to ${address}`);
      expect(sent.map((m) => m.subject)).toEqual(['[TEST] Edited in the browser']);
    }
    await page.getByRole('link', { name: 'Editors' }).first().click();
    expect(await page.getByTestId('editors').locator('tbody').textContent()).toBe(
      'Ana Editor (you)ana@example.orgeditor (sends)Ben Viewerben@example.orgviewer (reads)',
    );
  });

  it('has no serious or critical accessibility violations on the draft page with its form open, nor on the editors page', async () => {
    const found: string[] = [];
    for (const path of [issueUrl, `${stack.appUrl}/admin/editors`]) {
      await page.goto(path);
      if (path === issueUrl) await page.getByText('Edit this draft').click();
      await page.addScriptTag({
        path: createRequire(import.meta.url).resolve('axe-core/axe.min.js'),
      });
      const violations = await page.evaluate<{ id: string; impact: string | null }[]>(
        `axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact })))`,
      );
      found.push(
        ...violations
          .filter((v) => v.impact === 'serious' || v.impact === 'critical')
          .map((v) => `${path}: ${v.id} (${v.impact})`),
      );
    }
    expect(found).toEqual([]);
  });
});
