/**
 * `npm run screenshots`: every page of the tour (scripts/pages/tour.ts) in Chromium at 375 and
 * 1280 px, into docs/screenshots/<page>-<width>.png, and docs/screenshots.md listing them. The
 * stack is its own (or CHECK_URL's), seeded the same way each time, so a rerun changes an image only
 * when the page did. Long pages are cut at MAX_HEIGHT to keep the files small.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { launchChromium } from '../tests/support/browser.js';
import { openTourPage, tourContext, WIDTHS } from './pages/browser.js';
import { startTour } from './pages/tour.js';

const DIR = 'docs/screenshots';
const MAX_HEIGHT = 2400;

const tour = await startTour();
const browser = await launchChromium();
const lines: string[] = [];
try {
  await mkdir(DIR, { recursive: true });
  for (const target of tour.pages) {
    const shots: string[] = [];
    for (const viewport of WIDTHS) {
      const context = await tourContext(browser, tour, viewport);
      const { page } = await openTourPage(context, tour, target);
      const height = await page.evaluate<number>('document.documentElement.scrollHeight');
      // The whole page (to MAX_HEIGHT) as one tall viewport, not a full-page capture: that leaves
      // frames below the first screen blank (the email previews are sandboxed iframes).
      await page.setViewportSize({ width: viewport.width, height: Math.min(height, MAX_HEIGHT) });
      await Promise.all(page.frames().map((f) => f.waitForLoadState('load')));
      await page.waitForTimeout(300);
      const file = `${target.name}-${viewport.width}.png`;
      await page.screenshot({ path: join(DIR, file) });
      shots.push(`[${viewport.width} px](screenshots/${file})`);
      await context.close();
    }
    // Signed links and ids change with every run: the list names the route, not the address.
    const route = target.path.replace(/\/[A-Za-z0-9_.-]{20,}$/, '/…');
    lines.push(
      `- **${target.name}** (${target.workspace ? 'workspace' : 'public'}, ${target.form ? 'POST ' : ''}\`${route}\`): ${shots.join(', ')}`,
    );
    console.log(`${target.name}: ${shots.length} screenshots`);
  }
} finally {
  await browser.close();
  await tour.close();
}
await writeFile(
  'docs/screenshots.md',
  `# Screenshots

Every public and workspace page in Chromium at a phone's width (375 px) and a desktop's (1280 px),
made by \`npm run screenshots\` (scripts/screenshots.ts) on a freshly seeded local stack: one reader
(pending), one draft issue, one export and one small import, seen by a viewer. Pages longer than
${MAX_HEIGHT} px are cut there. Rerun the script after changing a page or a layout, and commit the
images with the change. How the pages are checked: [pages.md](pages.md).

${lines.join('\n')}
`,
);
