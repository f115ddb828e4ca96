import { createRequire } from 'node:module';
import type { Browser, Locator, Page } from 'playwright-core';

/** A page signed in to the workspace with an API key, as an editor signs in. */
export async function signedInPage(browser: Browser, appUrl: string, key: string): Promise<Page> {
  const page = await (await browser.newContext({ bypassCSP: true })).newPage();
  page.setDefaultTimeout(8_000);
  await page.goto(`${appUrl}/admin/sign-in`);
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${appUrl}/admin`);
  return page;
}

/** Clicks a control that submits a form, and waits for the page it leads to. */
export async function submitAndLoad(page: Page, control: Locator): Promise<void> {
  await Promise.all([
    page.waitForEvent('framenavigated', { predicate: (f) => f === page.mainFrame() }),
    control.click(),
  ]);
  await page.waitForLoadState('domcontentloaded');
}

/**
 * What the workspace's own accessibility test checks, on the page as it is now: axe-core's
 * serious and critical violations, and no sideways scrolling at 375 px.
 */
export async function accessibilityProblems(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: createRequire(import.meta.url).resolve('axe-core/axe.min.js') });
  const violations = await page.evaluate<{ id: string; impact: string | null }[]>(
    `axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact })))`,
  );
  const found = violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${page.url()}: ${v.id} (${v.impact})`);
  await page.setViewportSize({ width: 375, height: 800 });
  const width = await page.evaluate<number>('document.documentElement.scrollWidth');
  if (width > 375) found.push(`${page.url()}: ${width} px wide at 375 px`);
  await page.setViewportSize({ width: 1280, height: 900 });
  return found;
}
