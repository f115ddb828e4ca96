import { createRequire } from 'node:module';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Tour, TourPage } from './tour.js';

const AXE_PATH = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

export type AxeViolation = {
  id: string;
  impact: 'minor' | 'moderate' | 'serious' | 'critical' | null;
  help: string;
  targets: string[];
};

/**
 * A browser context signed in as the tour's viewer. bypassCSP only lets axe be injected: the
 * app's CSP allows no inline script.
 */
export async function tourContext(
  browser: Browser,
  tour: Tour,
  viewport: { width: number; height: number },
): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport, bypassCSP: true });
  const [name, value] = tour.cookie.split('=') as [string, string];
  await context.addCookies([{ name, value, url: tour.baseUrl }]);
  return context;
}

/** Opens a tour page; a form page is the same address sent as the form's POST. */
export async function openTourPage(context: BrowserContext, tour: Tour, target: TourPage) {
  const page = await context.newPage();
  const url = `${tour.baseUrl}${target.path}`;
  if (target.form) {
    const form = target.form;
    await page.route(url, (route) =>
      route.continue({
        method: 'POST',
        postData: new URLSearchParams(form).toString(),
        headers: {
          ...route.request().headers(),
          'content-type': 'application/x-www-form-urlencoded',
        },
      }),
    );
  }
  const response = await page.goto(url);
  await page.unrouteAll();
  return { page, status: response?.status() };
}

// The project's TypeScript has no DOM library, so what runs in the page is an expression.
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  await page.addScriptTag({ path: AXE_PATH });
  return page.evaluate<AxeViolation[]>(
    `axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) })))`,
  );
}

export const WIDTHS = [
  { width: 375, height: 812 },
  { width: 1280, height: 900 },
] as const;
