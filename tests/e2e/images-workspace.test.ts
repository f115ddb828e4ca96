/**
 * Images in the workspace, in a real browser: an editor uploads a photo with its alt text and is
 * shown it, and the markdown to paste; a file that is not an image, or no alt text, comes back
 * on the form under its label. A reader's browser, under the site's own CSP, shows a content/
 * article's relative image. An article written in the workspace with an uploaded image is in the
 * archive, both feeds and an issue's email, the running server never restarted. Every workspace
 * page passes the accessibility checks.
 */
import { cp, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../functions/core/access/api-keys.js';
import type { LocalStack } from '../../local/stack.js';
import { browserAvailable, launchChromium } from '../support/browser.js';
import { EMAIL_COLUMN_PX } from '../../functions/adapters/mjml/email-images.js';
import { startScheduler } from '../../local/scheduler.js';
import { aSubscriber } from '../support/builders.js';
import { emailsTo, startTestStack, waitFor } from '../support/stack.js';
import { accessibilityProblems, signedInPage, submitAndLoad } from '../support/workspace-page.js';

/** An <img> once decoded: its natural width (the page's own DOM, not this file's types). */
const naturalWidth = (img: unknown) => {
  const image = img as { decode(): Promise<void>; naturalWidth: number };
  return image.decode().then(() => image.naturalWidth);
};

const ARTICLE = `---
title: The road on a map
date: 2026-11-30
summary: Where the road goes.
topics: [security]
desk: Maps desk
---
![Map of the planned road](images/map.png)
`;

describe.skipIf(!browserAvailable())('images in the workspace', () => {
  let stack: LocalStack;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    const contentDir = join(await mkdtemp(join(tmpdir(), 'dispatch-images-ws-')), 'content');
    await cp('content', contentDir, { recursive: true });
    await cp('tests/fixtures/content/images', join(contentDir, 'images'), { recursive: true });
    await writeFile(join(contentDir, 'the-road-on-a-map.md'), ARTICLE);
    stack = await startTestStack({ CONTENT_DIR: contentDir });
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

  const submit = () => submitAndLoad(page, page.getByRole('button', { name: 'Upload' }).first());
  const choose = (name: string, buffer: Buffer, mimeType: string) =>
    page.getByLabel('Image', { exact: true }).first().setInputFiles({ name, mimeType, buffer });

  it('uploads a photo and shows it with the markdown to paste; refuses a non-image and no alt text on the form', async () => {
    const found: string[] = [];
    await page.goto(`${stack.appUrl}/admin`);
    await submitAndLoad(page, page.getByRole('link', { name: 'Images' }));
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Images');
    found.push(...(await accessibilityProblems(page)));

    await choose('notes.png', Buffer.from('not a picture at all'), 'image/png');
    await page.getByLabel('Alt text').fill('A note');
    await submit();
    expect(await page.getByRole('alert').textContent()).toContain(
      'Image: must be a PNG, JPEG, GIF or WebP image',
    );
    expect(await page.getByLabel('Alt text').inputValue()).toBe('A note');
    found.push(...(await accessibilityProblems(page)));

    const photo = await sharp({
      create: { width: 1800, height: 900, channels: 3, background: '#2d6a4f' },
    })
      .jpeg()
      .toBuffer();
    await choose('field.jpg', photo, 'image/jpeg');
    await page.getByLabel('Alt text').fill('');
    // The browser's own check would stop an empty required field: this is the server's.
    await page.getByLabel('Alt text').evaluate((input) => input.removeAttribute('required'));
    await submit();
    expect(await page.getByRole('alert').textContent()).toContain('Alt text: is required');

    await choose('field.jpg', photo, 'image/jpeg');
    await page.getByLabel('Alt text').fill('A green field at dusk');
    await submit();
    expect(await page.getByRole('status').textContent()).toContain('1200 × 600 px');
    const markdown = await page.getByLabel('Markdown to paste into an article').inputValue();
    expect(markdown).toMatch(
      /^!\[A green field at dusk\]\(\/images\/[0-9a-f]{32}-1200x600\.jpg\)$/,
    );
    const shown = page.getByRole('img', { name: 'A green field at dusk' });
    expect(await shown.evaluate(naturalWidth)).toBe(1200);
    found.push(...(await accessibilityProblems(page)));
    expect(found).toEqual([]);
  });

  it("a reader's browser shows a content/ article's relative image under the site's CSP", async () => {
    const context = await browser.newContext();
    const reader = await context.newPage();
    await reader.goto(`${stack.appUrl}/articles/the-road-on-a-map`);
    const map = reader.getByRole('img', { name: 'Map of the planned road' });
    expect(await map.evaluate(naturalWidth)).toBe(900);
    await context.close();
  });

  it('an article written here with an uploaded image reaches the archive, both feeds and an issue’s email, with no restart', async () => {
    const found: string[] = [];
    const reader = aSubscriber({ frequency: 'immediate', topics: ['security'] });
    await stack.deps.subscribers.create(reader);
    const photo = await sharp({
      create: { width: 1600, height: 1000, channels: 3, background: '#1b4332' },
    })
      .jpeg()
      .toBuffer();
    await page.goto(`${stack.appUrl}/admin/images`);
    await choose('harbour.jpg', photo, 'image/jpeg');
    await page.getByLabel('Alt text').fill('The harbour at dawn');
    await submit();
    const markdown = await page.getByLabel('Markdown to paste into an article').inputValue();
    const src = /\((\/images\/[^)]+)\)/.exec(markdown)![1]!;

    const title = 'The harbour reopens';
    const slug = 'the-harbour-reopens';
    await page.goto(`${stack.appUrl}/admin/articles/new`);
    await page.getByLabel('Title', { exact: true }).fill(title);
    await page.getByLabel('Summary', { exact: true }).fill('Ships dock again.');
    await page.getByLabel('Desk', { exact: true }).fill('Ports desk');
    await page.getByLabel('Body (markdown)').fill(`The first ship docked at six.\n\n${markdown}`);
    await page.getByLabel('Security and defence').check();
    await submitAndLoad(page, page.getByRole('button', { name: 'Preview' }));
    const preview = page.getByRole('region', { name: 'Preview', exact: true });
    await submitAndLoad(page, preview.getByRole('button', { name: 'Save draft' }));
    await submitAndLoad(page, page.getByRole('button', { name: 'Publish', exact: true }));
    found.push(...(await accessibilityProblems(page)));
    await submitAndLoad(page, page.getByRole('button', { name: `Publish “${title}” now` }));
    expect(await page.getByRole('status').first().textContent()).toContain('Published');

    const served = (path: string) =>
      expect.poll(async () => (await fetch(`${stack.appUrl}${path}`)).text(), {
        timeout: 10_000,
        interval: 250,
      });
    await served('/articles').toContain(title);
    await served('/feed.xml').toContain(title);
    await served('/atom.xml').toContain(title);
    await served(`/articles/${slug}`).toContain(`src="${src}"`);

    // The editor sends it as an issue from the workspace, reviewed first.
    await page.goto(`${stack.appUrl}/admin/articles/${slug}`);
    // Below the two email previews' frames: scrolled to first, as an editor would, since headless
    // Chromium can route a click made as it scrolls past cross-origin frames into one of them.
    const create = page.getByRole('button', { name: 'Create an issue from this article' });
    await create.scrollIntoViewIfNeeded();
    await submitAndLoad(page, create);
    await submitAndLoad(page, page.getByRole('button', { name: 'Send now' }));
    found.push(...(await accessibilityProblems(page)));
    await submitAndLoad(page, page.getByRole('button', { name: /^Send to \d+ readers?$/ }));
    const scheduler = startScheduler({ cron: false, budgetMs: 20_000 });
    const [mail] = await waitFor(
      async () => {
        await scheduler.fire('tick');
        const got = await emailsTo(stack.sesEndpoint, reader.email);
        return got.length > 0 ? got : undefined;
      },
      'the issue’s email',
      30_000,
    );
    expect(mail!.subject).toBe(title);
    const img = /<img\b[^>]*\/images\/[^>]*>/.exec(mail!.body.html ?? '')?.[0] ?? '';
    expect(img).toContain(`src="${stack.appUrl}${src}"`);
    expect(Number(/width="(\d+)"/.exec(img)?.[1])).toBeLessThanOrEqual(EMAIL_COLUMN_PX);
    expect(img).toContain('max-width:100%');
    expect(found).toEqual([]);
  }, 120_000);
});
