import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MjmlIssueRenderer } from '../../functions/adapters/mjml/mjml-renderer.js';
import { transactionalTemplates } from '../../functions/adapters/templates/transactional.generated.js';
import type { Issue } from '../../functions/core/issues/issue.js';
import { aPublication, anArticle } from '../support/builders.js';
import { browserAvailable, launchChromium } from '../support/browser.js';

/** A photo as an editor uploads one: 1600 px wide, in the article's Markdown as written. */
const PHOTO = `data:image/svg+xml,${encodeURIComponent('<svg xmlns="http://www.w3.org/2000/svg" width="1600" height="900"><rect width="1600" height="900" fill="#888"/></svg>')}`;

const issue: Issue = {
  id: 'article-photo',
  content: { kind: 'article', slug: 'photo' },
  subject: 'With a photo',
  audience: { topics: ['security'], frequencies: ['immediate'] },
  state: 'draft',
  deliveryKey: 'article:photo',
  createdAt: '2026-11-28T00:00:00.000Z',
  updatedAt: '2026-11-28T00:00:00.000Z',
  version: 1,
};

/** The emails as a phone's mail app lays them out: in Chromium at 375 px. */
describe.skipIf(!browserAvailable())('emails on a phone (Chromium, 375 px)', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => browser?.close());

  async function laidOut(html: string) {
    const context = await browser.newContext({ viewport: { width: 375, height: 800 } });
    const page = await context.newPage();
    await page.setContent(html);
    const result = await page.evaluate<{ width: number; image: number; meta: string[] }>(`(() => {
      const img = document.querySelector('img');
      // The innermost block holding the line: MJML's text div, inside its table cell.
      const meta = [...document.querySelectorAll('div')].filter((d) => /View in your browser|link works for 48 hours/.test(d.textContent)).pop();
      const style = meta ? getComputedStyle(meta) : undefined;
      return { width: document.documentElement.scrollWidth, image: img ? img.getBoundingClientRect().width : 0, meta: style ? [style.fontSize, style.fontFamily] : [] };
    })()`);
    await context.close();
    return result;
  }

  it('a 1600 px photo in an article scales to the screen, and the byline is small print', async () => {
    const article = anArticle({
      slug: 'photo',
      html: `<p>Before.</p><p><img src="${PHOTO}" alt="A photo"></p><p><img src="${PHOTO}" width="1600" height="900" alt="Sized"></p>`,
    });
    const email = await new MjmlIssueRenderer('templates').render(issue, [article], aPublication());
    const { width, image, meta } = await laidOut(email.html);
    expect(width).toBeLessThanOrEqual(375);
    expect(image).toBeGreaterThan(300);
    expect(image).toBeLessThanOrEqual(375);
    expect(meta).toEqual(['13px', 'Helvetica, Arial, sans-serif']);
  });

  it('the confirmation email’s “works for 48 hours” line is small print too', async () => {
    const { width, meta } = await laidOut(transactionalTemplates.confirmation.html);
    expect(width).toBeLessThanOrEqual(375);
    expect(meta).toEqual(['13px', 'Helvetica, Arial, sans-serif']);
  });
});
