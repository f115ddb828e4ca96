import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subscriberIdFor } from '../../functions/core/subscribers/subscriber.js';
import type { LocalStack } from '../../local/stack.js';
import { uniqueEmail } from '../support/builders.js';
import { browserAvailable, launchChromium } from '../support/browser.js';
import { startTestStack } from '../support/stack.js';

const SLUG = 'nato-western-balkans-stability';
const AXE_PATH = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
/** Where the responsive screenshots go, to be looked at by a person (they are not compared). */
const SCREENSHOT_DIR = process.env.SCREENSHOT_DIR ?? join(tmpdir(), 'dispatch-screenshots');
const WIDTHS = {
  phone: { width: 375, height: 812 },
  desktop: { width: 1280, height: 900 },
} as const;

type AxeViolation = {
  id: string;
  impact: 'minor' | 'moderate' | 'serious' | 'critical' | null;
  help: string;
  nodes: { target: string[]; failureSummary?: string }[];
};

/**
 * Every public page and every state a reader sees, scanned with axe-core in headless Chromium at
 * a phone's and a desktop's width: no serious or critical violation, and no sideways scrolling.
 */
describe.skipIf(!browserAvailable())('accessibility and responsiveness of the public pages', () => {
  let stack: LocalStack;
  let browser: Browser;
  const tokens = { confirm: '', unsubscribe: '', preferences: '' };

  beforeAll(async () => {
    stack = await startTestStack();
    browser = await launchChromium();
    // Confirm, unsubscribe and preferences pages look the reader up, so there must be one.
    const email = uniqueEmail('a11y');
    const response = await fetch(`${stack.appUrl}/api/subscribe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email }),
    });
    expect(response.status).toBe(202);
    const id = subscriberIdFor(email);
    for (const purpose of ['confirm', 'unsubscribe', 'preferences'] as const)
      tokens[purpose] = stack.deps.signer.sign(purpose, id);
    await mkdir(SCREENSHOT_DIR, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  /** A fresh page at the given width; the app's CSP allows no script, so axe needs it bypassed. */
  async function pageAt(viewport: {
    width: number;
    height: number;
  }): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport, bypassCSP: true });
    return { context, page: await context.newPage() };
  }

  // The project's TypeScript has no DOM library (nothing else runs in a browser), so code that runs
  // in the page is written as expressions Playwright evaluates there.
  async function scan(page: Page): Promise<AxeViolation[]> {
    await page.addScriptTag({ path: AXE_PATH });
    return page.evaluate<
      AxeViolation[]
    >(`axe.run(document, { resultTypes: ['violations'] }).then((result) =>
      result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })) })))`);
  }

  const noHorizontalScroll = (page: Page) =>
    page.evaluate<boolean>('document.documentElement.scrollWidth <= window.innerWidth');

  /** How each page is reached: most by address, the form with errors by submitting it. */
  const pages: { name: string; status: number; open: (page: Page) => Promise<unknown> }[] = [
    { name: 'front page', status: 200, open: (p) => p.goto(`${stack.appUrl}/`) },
    { name: 'archive', status: 200, open: (p) => p.goto(`${stack.appUrl}/articles`) },
    { name: 'article', status: 200, open: (p) => p.goto(`${stack.appUrl}/articles/${SLUG}`) },
    { name: 'embed', status: 200, open: (p) => p.goto(`${stack.appUrl}/embed`) },
    {
      name: 'confirm',
      status: 200,
      open: (p) => p.goto(`${stack.appUrl}/confirm/${tokens.confirm}`),
    },
    {
      name: 'unsubscribe',
      status: 200,
      open: (p) => p.goto(`${stack.appUrl}/unsubscribe/${tokens.unsubscribe}`),
    },
    {
      name: 'preferences',
      status: 200,
      open: (p) => p.goto(`${stack.appUrl}/preferences/${tokens.preferences}`),
    },
    { name: 'not found', status: 404, open: (p) => p.goto(`${stack.appUrl}/no-such-page`) },
    {
      name: 'signup form with errors',
      status: 422,
      open: async (p) => {
        await p.goto(`${stack.appUrl}/`);
        await p.getByLabel('Your email address').fill('not-an-address');
        // A name too long and a city (content/fields.json): their errors are shown beside them.
        await p.getByLabel('Your name (optional)').evaluate((el) => {
          (el as { value: string }).value = 'x'.repeat(101);
        });
        await p.getByLabel('Your city').fill('Tirana');
        // The browser's own check would stop a bad address before the server sees it; the
        // server's error page is what a reader without that check (or JavaScript) gets.
        await p.locator('form[action="/subscribe"]').evaluate((form) => {
          (form as { noValidate: boolean }).noValidate = true;
        });
        const [response] = await Promise.all([
          p.waitForNavigation(),
          p.getByRole('button', { name: 'Subscribe' }).click(),
        ]);
        // Each problem beside its field, tied to it for a screen reader.
        expect(await p.locator('#name-error').textContent()).toBe(
          'Name must be at most 100 characters.',
        );
        expect(await p.getByLabel('Your name (optional)').getAttribute('aria-describedby')).toBe(
          'name-error',
        );
        return response;
      },
    },
  ];

  for (const { name, status, open } of pages) {
    for (const [device, viewport] of Object.entries(WIDTHS)) {
      it(`${name} at ${viewport.width} px: no serious or critical axe violations, no sideways scrolling`, async () => {
        const { context, page } = await pageAt(viewport);
        try {
          const response = (await open(page)) as { status(): number } | null;
          expect(response?.status(), name).toBe(status);
          const violations = await scan(page);
          // Minor and moderate findings are printed, so they are seen, without failing the build.
          for (const v of violations)
            console.info(
              `axe ${v.impact} ${v.id} on ${name} (${device}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
            );
          expect(
            violations.filter((v) => v.impact === 'serious' || v.impact === 'critical'),
            name,
          ).toEqual([]);
          expect(
            await noHorizontalScroll(page),
            `${name} scrolls sideways at ${viewport.width} px`,
          ).toBe(true);
          // Standards mode (a doctype), and the stylesheet as written: an escaped one loses its
          // quoted font names and the page falls back to the browser's 16 px Times.
          expect(await page.evaluate<string>('document.compatMode'), name).toBe('CSS1Compat');
          expect(
            await page.evaluate<string[]>(
              `(() => { const s = getComputedStyle(document.body); return [s.fontFamily, s.fontSize, s.lineHeight]; })()`,
            ),
            name,
          ).toEqual(
            // 17 px / 1.6, and 16 px on a phone (the stylesheet's one media query).
            viewport.width > 480
              ? ['Georgia, "Times New Roman", serif', '17px', '27.2px']
              : ['Georgia, "Times New Roman", serif', '16px', '25.6px'],
          );
        } finally {
          await context.close();
        }
      });
    }
  }

  it('the scan itself finds what it should: a page with an unlabelled field and faint text fails it', async () => {
    const { context, page } = await pageAt(WIDTHS.desktop);
    try {
      await page.setContent(
        '<html><body><main><input type="email"><p style="color:#ccc;background:#fff">faint</p></main></body></html>',
      );
      const serious = (await scan(page))
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => v.id);
      expect(serious).toEqual(expect.arrayContaining(['label', 'color-contrast', 'html-has-lang']));
    } finally {
      await context.close();
    }
  });

  it('the article page at 375 px and 1280 px, screenshotted for review', async () => {
    for (const [device, viewport] of Object.entries(WIDTHS)) {
      const { context, page } = await pageAt(viewport);
      try {
        await page.goto(`${stack.appUrl}/articles/${SLUG}`);
        expect(await noHorizontalScroll(page)).toBe(true);
        const path = join(SCREENSHOT_DIR, `article-${viewport.width}.png`);
        await page.screenshot({ path, fullPage: true });
        console.info(`screenshot (${device}): ${path}`);
      } finally {
        await context.close();
      }
    }
  });

  it('reads and subscribes without JavaScript', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false, viewport: WIDTHS.phone });
    try {
      const page = await context.newPage();
      await page.goto(`${stack.appUrl}/articles/${SLUG}`);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(
        'NATO Reaffirms Its Commitment to Stability in the Western Balkans',
      );
      await page.getByLabel('Your email address').fill(uniqueEmail('nojs'));
      await Promise.all([
        page.waitForNavigation(),
        page.getByRole('button', { name: 'Subscribe' }).click(),
      ]);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Check your inbox');
    } finally {
      await context.close();
    }
  });
});
