import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchPage, startTour, type Tour } from '../../scripts/pages/tour.js';
import { nuErrors } from '../../scripts/pages/vnu.js';

/**
 * Every public and workspace page (the tour npm run check:pages walks) is valid HTML to the Nu
 * Html Checker: all of them in one Java start. Lighthouse and axe at both widths stay in that
 * script (minutes, and scores that move with the machine's load).
 */
describe('valid HTML on every page', () => {
  let tour: Tour;
  beforeAll(async () => {
    tour = await startTour();
  }, 60_000);
  afterAll(async () => {
    await tour?.close();
  });

  it('the Nu Html Checker finds no error on any page, each answering its status', async () => {
    const documents = [];
    for (const page of tour.pages) {
      const { status, html } = await fetchPage(tour, page);
      expect(status, `${page.name} (${page.path})`).toBe(page.status);
      documents.push({ name: page.name, html });
    }
    // Readers' link pages, the workspace's issue, subscriber, export and import pages included.
    expect(tour.pages.map((p) => p.name)).toEqual(
      expect.arrayContaining([
        'front',
        'article',
        'preferences',
        'admin-issue',
        'admin-subscriber',
      ]),
    );
    const errors = [...(await nuErrors(documents))].flatMap(([name, messages]) =>
      messages.map((m) => `${name}, line ${m.lastLine}: ${m.message}`),
    );
    expect(errors).toEqual([]);
    // A whole-suite run shares the machine: the Java start alone can take seconds.
  }, 120_000);

  it('the checker itself finds what it should: a page without a doctype or a title fails', async () => {
    const found = await nuErrors([{ name: 'bad', html: '<html lang="en"><p>no title</p></html>' }]);
    expect(
      found
        .get('bad')!
        .map((m) => m.message)
        .join('\n'),
    ).toMatch(/doctype[\s\S]*title/i);
  }, 30_000);
});
