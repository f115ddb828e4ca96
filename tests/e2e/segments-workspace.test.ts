/**
 * Segments in the workspace, in a real browser: an editor previews a definition (its count and
 * first addresses, the form kept), a refused value comes back on the form under its field's
 * label, a saved segment's page shows its readers, and deleting it asks first. Every page passes
 * the workspace's accessibility checks (axe-core, no sideways scrolling at 375 px).
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../functions/core/access/api-keys.js';
import { newSegment } from '../../functions/core/segments/segment.js';
import type { LocalStack } from '../../local/stack.js';
import { aSubscriber } from '../support/builders.js';
import { browserAvailable, launchChromium } from '../support/browser.js';
import { accessibilityProblems, signedInPage, submitAndLoad } from '../support/workspace-page.js';
import { seedReaders, startTestStack } from '../support/stack.js';

describe.skipIf(!browserAvailable())('segments in the workspace', () => {
  let stack: LocalStack;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    stack = await startTestStack();
    await seedReaders(stack, 12, (i) =>
      aSubscriber({
        email: `ws-segment.${String(i).padStart(2, '0')}@example.com`,
        fields: i % 2 ? { city: 'Skopje' } : { city: 'Bitola' },
      }),
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

  const h1 = () => page.getByRole('heading', { level: 1 }).textContent();
  const submit = (button: ReturnType<Page['getByRole']>) => submitAndLoad(page, button);

  const problems = () => accessibilityProblems(page);

  it('previews a segment, refuses a bad value on the form, saves it, shows its readers, and asks before deleting it', async () => {
    const found: string[] = [];
    await page.goto(`${stack.appUrl}/admin`);
    await submit(page.getByRole('link', { name: 'Segments' }));
    expect(await h1()).toBe('Segments');
    found.push(...(await problems()));

    await page.getByLabel('Name', { exact: true }).fill('Skopje');
    await page.getByLabel('Your city', { exact: true }).selectOption('equals');
    await page.getByLabel('Your city: value').fill('skopje');
    await page.getByLabel('Within the last (days)').fill('soon');
    await submit(page.getByRole('button', { name: 'Preview' }));
    expect(await page.getByRole('alert').textContent()).toContain(
      'Signed up within (days): must be a whole number of days',
    );
    expect(await page.getByLabel('Your city: value').inputValue()).toBe('skopje');
    found.push(...(await problems()));

    await page.getByLabel('Within the last (days)').fill('');
    await submit(page.getByRole('button', { name: 'Preview' }));
    expect(await page.getByTestId('segment-count').textContent()).toContain('6 confirmed readers');
    expect(await page.content()).toContain('ws-segment.01@example.com');
    expect(await page.content()).not.toContain('ws-segment.00@example.com');
    expect(await stack.deps.segments.list()).toEqual([]);
    found.push(...(await problems()));

    await submit(page.getByRole('button', { name: 'Save segment' }));
    expect(await h1()).toBe('Segment: Skopje');
    expect(await page.getByTestId('segment-count').textContent()).toContain('6 confirmed readers');
    found.push(...(await problems()));
    const [saved] = await stack.deps.segments.list();
    expect(saved).toMatchObject({
      name: 'Skopje',
      rules: [{ kind: 'field', key: 'city', op: 'equals', value: 'skopje' }],
    });

    await submit(page.getByRole('button', { name: 'Delete this segment' }));
    expect(await h1()).toBe('Delete the segment "Skopje"?');
    found.push(...(await problems()));
    expect(await stack.deps.segments.list()).toHaveLength(1);
    await submit(page.getByRole('button', { name: 'Delete "Skopje"' }));
    expect(await page.getByRole('status').first().textContent()).toContain('Segment deleted');
    expect(await stack.deps.segments.list()).toEqual([]);
    expect(found).toEqual([]);
  });

  it('composes an issue for a saved segment, names it on the issue page, and reviews its send with the exact count', async () => {
    const found: string[] = [];
    await stack.deps.segments.create(
      newSegment(
        {
          name: 'Bitola',
          match: 'all',
          rules: [{ kind: 'field', key: 'city', op: 'equals', value: 'Bitola' }],
        },
        new Date(),
      ),
    );
    await page.goto(`${stack.appUrl}/admin/issues`);
    await page.getByLabel('Segment (optional)').selectOption({ label: 'Bitola' });
    await page.getByLabel("Subject (the article's title if empty)").fill('For Bitola');
    await submit(page.getByRole('button', { name: 'Create draft' }));
    expect(await page.content()).toContain('Segment:');
    expect(await page.content()).toContain('Bitola');
    found.push(...(await problems()));

    await submit(page.getByRole('button', { name: 'Send now' }));
    expect(await page.getByTestId('review').textContent()).toContain(
      "6 now, the segment's readers counted exactly",
    );
    expect(await page.getByTestId('consequence').textContent()).toContain(
      'in the segment “Bitola”',
    );
    found.push(...(await problems()));
    await submit(page.getByRole('button', { name: 'Send to 6 readers' }));
    expect(await page.getByTestId('state').textContent()).toBe('sending');
    expect(found).toEqual([]);
  });

  it('makes a segment of readers who opened lately from the Engagement part, refusing bad days under its label', async () => {
    const found: string[] = [];
    const readers = await seedReaders(stack, 3, (i) =>
      aSubscriber({ email: `ws-opener.${i}@example.com` }),
    );
    for (const r of readers) await stack.deps.subscribers.noteActivity(r.id, 'opened', new Date());
    await page.goto(`${stack.appUrl}/admin/segments`);
    await page.getByLabel('Name', { exact: true }).fill('Opened lately');
    await page.getByLabel('Opens: the reader').selectOption('opened_within');
    await page.getByLabel('Opens: days').fill('soon');
    await submit(page.getByRole('button', { name: 'Preview' }));
    expect(await page.getByRole('alert').textContent()).toContain(
      'Opens: must be a whole number of days from 1 to 3650',
    );
    found.push(...(await problems()));

    await page.getByLabel('Opens: days').fill('30');
    await submit(page.getByRole('button', { name: 'Preview' }));
    expect(await page.getByTestId('segment-count').textContent()).toContain('3 confirmed readers');
    found.push(...(await problems()));
    await submit(page.getByRole('button', { name: 'Save segment' }));
    expect(await h1()).toBe('Segment: Opened lately');
    expect(await page.content()).toContain('opened an issue within the last 30 days');
    found.push(...(await problems()));
    const saved = (await stack.deps.segments.list()).find((s) => s.name === 'Opened lately');
    expect(saved?.rules).toEqual([{ kind: 'engagement', op: 'opened_within', days: 30 }]);

    // The daily digest narrowed to it: refused while it reaches no daily reader, then saved.
    await page.goto(`${stack.appUrl}/admin/segments`);
    await page
      .getByLabel('The daily digest goes to')
      .selectOption({ label: 'the segment "Opened lately"' });
    await submit(page.getByRole('button', { name: "Save digests' audience" }));
    expect(await page.getByRole('alert').textContent()).toContain(
      'Daily digest: matches no reader of this audience (count: 0)',
    );
    found.push(...(await problems()));
    const [daily] = await seedReaders(stack, 1, () =>
      aSubscriber({ email: 'ws-daily@example.com', frequency: 'daily' }),
    );
    await stack.deps.subscribers.noteActivity(daily!.id, 'opened', new Date());
    await page
      .getByLabel('The daily digest goes to')
      .selectOption({ label: 'the segment "Opened lately"' });
    await submit(page.getByRole('button', { name: "Save digests' audience" }));
    expect(await page.getByRole('status').first().textContent()).toContain(
      "Digests' audience saved",
    );
    expect(await stack.deps.segments.digestSegment('daily')).toBe(saved?.id);
    expect(await page.getByLabel('The daily digest goes to').inputValue()).toBe(saved?.id);
    found.push(...(await problems()));
    expect(found).toEqual([]);
  });

  it('starting a digest whose segment reaches none of its readers: refused on its own page with the count, 0', async () => {
    const nobody = newSegment(
      {
        name: 'Atlantis',
        match: 'all',
        rules: [{ kind: 'field', key: 'city', op: 'equals', value: 'Atlantis' }],
      },
      new Date(),
    );
    await stack.deps.segments.create(nobody);
    // Set while it had readers (straight to the store, past the check); an article is new this week.
    await stack.deps.segments.setDigestSegment('weekly', nobody.id);
    await stack.deps.publications.markPublished(
      'nato-western-balkans-stability',
      new Date(Date.now() - 60_000),
    );
    await page.goto(`${stack.appUrl}/admin/issues`);
    await page.getByLabel('Digest', { exact: true }).selectOption('weekly');
    await submit(page.getByRole('button', { name: "Start this period's digest" }));
    expect(await h1()).toBe('Digest not started');
    expect(await page.getByTestId('digest-refused').textContent()).toContain(
      'The segment "Atlantis" matches no reader of this audience (count: 0)',
    );
    const found = await problems();
    await submit(page.getByRole('link', { name: "Change the digests' audience" }));
    expect(await h1()).toBe('Segments');
    expect(found).toEqual([]);
    expect(
      (await stack.deps.issues.listByState('sending')).filter((i) =>
        i.id.startsWith('digest-weekly-'),
      ),
    ).toEqual([]);
    await stack.deps.segments.setDigestSegment('weekly', undefined);
  });
});
