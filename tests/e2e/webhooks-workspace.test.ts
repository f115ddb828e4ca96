/**
 * Webhooks in the workspace, in a real browser: an editor registers an endpoint and sees its
 * secret once, a refused URL comes back on the form, the endpoint's page shows its deliveries
 * (a reader's signup reaches the loopback receiver), and removing it asks first. Every page passes
 * the workspace's accessibility checks (axe-core, no sideways scrolling at 375 px).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../functions/core/access/api-keys.js';
import type { LocalStack } from '../../local/stack.js';
import { uniqueEmail } from '../support/builders.js';
import { browserAvailable, launchChromium } from '../support/browser.js';
import { accessibilityProblems, signedInPage, submitAndLoad } from '../support/workspace-page.js';
import { startTestStack, waitFor } from '../support/stack.js';

describe.skipIf(!browserAvailable())('webhooks in the workspace', () => {
  let stack: LocalStack;
  let browser: Browser;
  let page: Page;
  let editorKey: string;
  const received: string[] = [];
  const receiver = createServer((req, res) => {
    received.push(String(req.headers['dispatch-event-id']));
    res.writeHead(204).end();
  });

  beforeAll(async () => {
    stack = await startTestStack();
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    editorKey = (
      await createApiKey(stack.deps, { name: 'Ana', email: 'ana@example.org', role: 'editor' })
    ).key;
    browser = await launchChromium();
    page = await signedInPage(browser, stack.appUrl, editorKey);
  });
  afterAll(async () => {
    await browser?.close();
    receiver.closeAllConnections();
    await new Promise((resolve) => receiver.close(resolve));
    await stack?.close();
  });

  const h1 = () => page.getByRole('heading', { level: 1 }).textContent();
  const submit = (button: ReturnType<Page['getByRole']>) => submitAndLoad(page, button);

  const problems = () => accessibilityProblems(page);

  it('registers an endpoint, shows its secret once, lists its deliveries, and asks before removing it', async () => {
    const found: string[] = [];
    await page.goto(`${stack.appUrl}/admin/webhooks`);
    expect(await h1()).toBe('Webhooks');
    found.push(...(await problems()));

    await page.getByLabel('URL').fill('ftp://example.org/hook');
    await submit(page.getByRole('button', { name: 'Register' }));
    expect(await page.getByRole('alert').textContent()).toContain('URL: must be https');
    expect(await page.getByLabel('URL').inputValue()).toBe('ftp://example.org/hook');
    found.push(...(await problems()));

    const { port } = receiver.address() as AddressInfo;
    await page.getByLabel('URL').fill(`http://127.0.0.1:${port}/hook`);
    await submit(page.getByRole('button', { name: 'Register' }));
    expect(await h1()).toBe('Webhook registered');
    const secret = await page.getByLabel('Signing secret').inputValue();
    expect(secret).toMatch(/^whsec_[0-9a-f]{64}$/);
    found.push(...(await problems()));

    const email = uniqueEmail('hook-page');
    await fetch(`${stack.appUrl}/api/subscribe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email }),
    });
    const [eventId] = await waitFor(
      async () => (received.length ? received : undefined),
      'a delivery',
    );
    await submit(page.getByRole('link', { name: 'The endpoint and its deliveries' }));
    expect(await page.content()).not.toContain(secret);
    await waitFor(async () => {
      await page.reload();
      return (await page.content()).includes(eventId!) ? true : undefined;
    }, 'the delivery on the page');
    expect(await page.locator('tbody tr').first().textContent()).toContain('delivered');
    found.push(...(await problems()));
    await page.goto(`${stack.appUrl}/admin/webhooks`);
    expect(await page.content()).not.toContain(secret);

    await page.getByRole('link', { name: `http://127.0.0.1:${port}/hook` }).click();
    await submit(page.getByRole('button', { name: 'Remove this endpoint' }));
    expect(await h1()).toBe(`Remove the webhook to http://127.0.0.1:${port}/hook?`);
    found.push(...(await problems()));
    await submit(
      page.getByRole('button', { name: `Remove the webhook to http://127.0.0.1:${port}/hook` }),
    );
    expect(await page.getByRole('status').textContent()).toBe('Webhook endpoint removed.');
    expect(await stack.deps.webhooks.listEndpoints()).toEqual([]);
    expect(found).toEqual([]);
  });
});
