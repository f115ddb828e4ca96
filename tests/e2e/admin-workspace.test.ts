import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../functions/core/access/api-keys.js';
import { subscriberIdFor } from '../../functions/core/subscribers/subscriber.js';
import type { LocalStack } from '../../local/stack.js';
import { aSubscriber } from '../support/builders.js';
import { browserAvailable, launchChromium } from '../support/browser.js';
import { emailsTo, startTestStack, waitFor } from '../support/stack.js';

/**
 * An editor's day in a real browser: sign in with a key, preview the article at both widths,
 * test-send it, review and schedule it, review and send it and watch it go out, export the
 * subscribers and import them back, approve a new article saved in content/ (which mailed nobody
 * until then), search by part of an address, and see a refused form kept.
 */
describe.skipIf(!browserAvailable())('the editors’ workspace in a real browser', () => {
  let stack: LocalStack;
  let browser: Browser;
  let page: Page;
  let editorKey: string;
  let contentDir: string;
  const readers = [
    aSubscriber({ topics: ['security'] }),
    aSubscriber({
      topics: ['politics'],
      frequency: 'daily',
      name: 'Ana "Tirana" Hoxha',
      fields: { city: 'Tirana', print_subscriber: true },
    }),
  ];

  beforeAll(async () => {
    // Its own copy of content/, so the approval test can save a new article in it.
    contentDir = join(await mkdtemp(join(tmpdir(), 'dispatch-content-')), 'content');
    await cp('content', contentDir, { recursive: true });
    stack = await startTestStack({ CONTENT_DIR: contentDir });
    for (const r of readers) await stack.deps.subscribers.create(r);
    editorKey = (
      await createApiKey(stack.deps, {
        name: 'Ana Editor',
        email: 'ana.editor@example.org',
        role: 'editor',
      })
    ).key;
    browser = await launchChromium();
    // bypassCSP only lets the accessibility scan inject axe; the app's CSP allows no script.
    page = await (await browser.newContext({ acceptDownloads: true, bypassCSP: true })).newPage();
    page.setDefaultTimeout(8_000);
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  const h1 = () => page.getByRole('heading', { level: 1 }).textContent();
  /** Clicks a form's button and waits for the page the POST leads to. */
  const submit = async (button: ReturnType<Page['getByRole']>) => {
    await button.scrollIntoViewIfNeeded();
    await Promise.all([
      page.waitForEvent('framenavigated', { predicate: (f) => f === page.mainFrame() }),
      button.click(),
    ]);
    await page.waitForLoadState('domcontentloaded');
  };

  it('sends a visitor without a session to sign-in, refuses a wrong key, and signs in with a good one', async () => {
    await page.goto(`${stack.appUrl}/admin/issues`);
    expect(page.url()).toBe(`${stack.appUrl}/admin/sign-in`);
    await page.getByLabel('API key').fill('dsp_wrong');
    await page.getByRole('button', { name: 'Sign in' }).click();
    expect(await page.getByRole('alert').textContent()).toContain('not valid');
    await page.getByLabel('API key').fill(editorKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(h1).toBe('Dashboard');
    const cookie = (await page.context().cookies()).find((c) => c.name === 'dispatch_session')!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    // The two readers seeded for this test, from the counters every subscriber write keeps.
    expect(
      await page.locator('.card', { hasText: 'Subscribers by state' }).textContent(),
    ).toContain('2 confirmed');
  });

  it('previews the article as email at desktop and mobile widths, with its text part and subject', async () => {
    await page.goto(`${stack.appUrl}/admin/articles`);
    await page.getByRole('link', { name: 'Preview' }).first().click();
    expect(await page.getByTestId('preview-subject').textContent()).toBe(
      'NATO Reaffirms Its Commitment to Stability in the Western Balkans',
    );
    const frames = page.locator('iframe');
    expect(await frames.count()).toBe(2);
    expect(await frames.nth(0).getAttribute('width')).toBe('640');
    expect(await frames.nth(1).getAttribute('width')).toBe('375');
    expect(
      await page
        .frameLocator('iframe[title="Email at mobile width"]')
        .getByRole('heading', { level: 1 })
        .textContent(),
    ).toContain('NATO Reaffirms');
    expect(await page.getByTestId('preview-text').textContent()).toContain(
      'NATO has reiterated its unwavering commitment',
    );
  });

  it('creates an issue, test-sends it with [TEST], schedules it, then sends it and watches it finish', async () => {
    await submit(page.getByRole('button', { name: 'Create an issue from this article' }));
    expect(await page.getByRole('status').textContent()).toBe('Issue created as a draft.');
    const issueUrl = page.url().split('?')[0]!;

    // Tests go to the editors' own addresses only: hers is chosen already.
    expect(await page.getByLabel(/^Test-send to/).inputValue()).toBe('ana.editor@example.org');
    await submit(page.getByRole('button', { name: 'Send test' }));
    expect(await page.getByRole('status').textContent()).toBe(
      'Test email queued: it leaves within seconds (Outbox lists any it gave up on).',
    );
    const tests = await waitFor(
      async () =>
        (await emailsTo(stack.sesEndpoint, 'ana.editor@example.org')).length
          ? emailsTo(stack.sesEndpoint, 'ana.editor@example.org')
          : undefined,
      'the test email',
    );
    expect(tests[0]!.subject).toBe(
      '[TEST] NATO Reaffirms Its Commitment to Stability in the Western Balkans',
    );

    await page.getByLabel('Send at (UTC)').fill('2030-01-01T07:00');
    await submit(page.getByRole('button', { name: 'Schedule' }));
    // Scheduling is reviewed first (when, to how many), then done by one button.
    expect(await page.getByTestId('review').textContent()).toContain('When1 Jan 2030, 07:00 UTC');
    await submit(page.getByRole('button', { name: 'Schedule for 2 readers' }));
    expect(await page.getByTestId('state').textContent()).toBe('scheduled');

    // Sending is reviewed too, saying to whom, and nothing leaves until the editor says yes.
    await submit(page.getByRole('button', { name: 'Send now' }));
    expect(await page.getByTestId('review').textContent()).toContain(
      'FromThe Regional Dispatch <newsletter@dispatch.example>',
    );
    expect(await page.getByTestId('consequence').textContent()).toMatch(
      /^It goes out at once to the confirmed readers of Security and defence, Politics and diplomacy who chose every article, daily digests or weekly digests \(about 2; counted exactly as it sends\), from newsletter@dispatch\.example\. An email cannot be recalled/,
    );
    for (const r of readers) expect(await emailsTo(stack.sesEndpoint, r.email)).toEqual([]);
    await submit(page.getByRole('button', { name: 'Send to 2 readers' }));
    expect(await page.getByTestId('state').textContent()).toBe('sending');
    // The tick's worker sends (npm start runs it every minute; here we fire it).
    const { startScheduler } = await import('../../local/scheduler.js');
    await startScheduler({ cron: false, budgetMs: 20_000 }).fire('tick');
    await page.goto(issueUrl);
    expect(await page.getByTestId('state').textContent()).toBe('sent');
    expect(await page.getByTestId('pace').textContent()).toMatch(
      /^Sent in (under a minute|\d+ minutes?), finished /,
    );
    expect(await page.getByTestId('progress').textContent()).toMatch(
      /^2 sent · 0 skipped · 0 failed · 0 suppressed · 0 ambiguous · 0 remaining/,
    );
    for (const r of readers)
      expect((await emailsTo(stack.sesEndpoint, r.email)).map((m) => m.subject)).toEqual([
        'NATO Reaffirms Its Commitment to Stability in the Western Balkans',
      ]);
  });

  it('exports the subscribers as CSV and imports them back: bad rows reported by line, good rows kept', async () => {
    await page.goto(`${stack.appUrl}/admin/subscribers`);
    // The export runs in the background; its page reloads itself until the link is there.
    await submit(page.getByRole('button', { name: 'Export every subscriber as CSV' }));
    const link = page.getByRole('link', { name: /^download subscribers-.*\.csv$/ });
    await link.waitFor({ timeout: 30_000 });
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    const csv = await readFile((await download.path())!, 'utf8');
    expect(csv.split('\n')[0]).toBe(
      'email,state,topics,frequency,consent,consent_source,consent_at,created_at,confirmed_at,name,fields.city,fields.print_subscriber',
    );
    for (const r of readers) expect(csv).toContain(r.email);

    // Erase the readers, then bring them back from the export (they had consented) plus two new rows.
    for (const r of readers) await stack.deps.subscribers.delete(r.id);
    const newcomer = `newcomer.${Date.now()}@example.com`;
    const file = `${csv.trim()}\n${newcomer},,security,weekly,no,,,,\nnot-an-address,,security,weekly,yes,x,,,\n`;
    await page.goto(`${stack.appUrl}/admin/subscribers`);
    await page.setInputFiles('input[type=file]', {
      name: 'subscribers.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(file),
    });
    await submit(page.getByRole('button', { name: 'Import' }));
    // The form's script PUT the file to the blob store and started the import: its page.
    await page.waitForURL(/\/admin\/subscribers\/imports\/[0-9a-f-]{36}$/);
    expect(await page.getByTestId('import-summary').textContent()).toBe(
      '2 imported as confirmed · 1 queued for a confirmation email · 0 skipped · 1 rows with errors',
    );
    expect(await page.getByText(/^Line 5: email/).isVisible()).toBe(true);
    for (const r of readers)
      expect(await stack.deps.subscribers.get(r.id)).toMatchObject({
        state: 'confirmed',
        consent: { form: 'import' },
        // The name and the fields come back from their columns.
        ...(r.name && { name: r.name, fields: r.fields }),
      });
    expect(await stack.deps.subscribers.get(subscriberIdFor(newcomer))).toMatchObject({
      state: 'pending',
    });
    // The confirmation goes through the outbox, as a signup's does (emailsTo lets it settle).
    expect((await emailsTo(stack.sesEndpoint, newcomer)).map((m) => m.subject)).toEqual([
      'Confirm your subscription to The Regional Dispatch',
    ]);
  });

  it('lists a new article saved in content/ for approval, mails it to nobody, and sends it once approved (asked first)', async () => {
    const { startScheduler } = await import('../../local/scheduler.js');
    const tick = () => startScheduler({ cron: false, budgetMs: 20_000 }).fire('tick');
    const everyArticle = aSubscriber({ topics: ['economy'], frequency: 'immediate' });
    await stack.deps.subscribers.create(everyArticle);
    const save = (slug: string, title: string) =>
      writeFile(
        join(contentDir, `${slug}.md`),
        `---\ntitle: "${title}"\ndate: ${new Date().toISOString().slice(0, 10)}\nsummary: ${title}.\ntopics: [economy]\ndesk: Economy desk\n---\n\n${title}.\n`,
      );
    await save('ports-reopen', 'The ports reopen');
    await save('tariffs-cut', 'Tariffs are cut'); // left waiting: the accessibility scan reads it
    await new Promise((r) => setTimeout(r, 2_100)); // the catalog looks at the folder every 2 s
    await tick();
    expect(await emailsTo(stack.sesEndpoint, everyArticle.email)).toEqual([]);

    await page.goto(`${stack.appUrl}/admin`);
    expect(await page.getByTestId('waiting-notice').textContent()).toMatch(
      /^2 new articles are waiting for approval: nothing is mailed to readers who chose every article until an editor approves\. Review them$/,
    );
    await page.getByRole('link', { name: 'Review them' }).click();
    const row = page.getByTestId('waiting-ports-reopen');
    // "about N": the counters' estimate (topic share times frequency share), not a count.
    expect(await row.textContent()).toMatch(
      /Approving sends “The ports reopen” now to the confirmed readers of Economy who chose every article \(about \d+\), from newsletter@dispatch\.example\./,
    );
    await submit(row.getByRole('button', { name: 'Approve and send' }));
    expect(await page.getByTestId('consequence').textContent()).toMatch(
      /^Approving sends “The ports reopen” now to .+ An email cannot be recalled/,
    );
    expect(await emailsTo(stack.sesEndpoint, everyArticle.email)).toEqual([]);
    await submit(page.getByRole('button', { name: 'Approve and send “The ports reopen” now' }));
    expect(await page.getByRole('status').textContent()).toBe('Sending started: progress below.');
    await tick();
    expect((await emailsTo(stack.sesEndpoint, everyArticle.email)).map((m) => m.subject)).toEqual([
      'The ports reopen',
    ]);
    await page.goto(`${stack.appUrl}/admin/articles`);
    expect(await page.getByTestId('decided-ports-reopen').textContent()).toContain('Ana Editor');
    expect(await page.getByTestId('waiting-tariffs-cut').isVisible()).toBe(true);
  });

  it('has no serious or critical accessibility violations on any workspace page (axe-core), each in standards mode with its stylesheet applied and no sideways scrolling at 375 px', async () => {
    const issues = (await stack.deps.issues.listByState('sent')).concat(
      await stack.deps.issues.listByState('draft'),
    );
    // The issue's links and the reader's history have rows: what SES's events would have left.
    const [sent, reader] = [issues[0]!.id, readers[0]!.id];
    const link = `https://dispatch.example/articles/nato-western-balkans-stability?${'utm=x&'.repeat(12)}`;
    await stack.deps.engagement.delivered(sent, reader, new Date(Date.now() - 90_000));
    await stack.deps.engagement.opened(sent, reader, new Date(Date.now() - 60_000));
    await stack.deps.engagement.clicked(sent, reader, link, new Date(Date.now() - 50_000));
    await stack.deps.engagement.addLinkClicks(sent, link, {
      clicks: 1,
      uniqueClickers: 1,
      botClicks: 2,
    });
    const pages = [
      '/admin',
      '/admin/articles',
      '/admin/articles/nato-western-balkans-stability',
      '/admin/issues',
      `/admin/issues/${issues[0]!.id}`,
      '/admin/subscribers',
      `/admin/subscribers/${readers[1]!.id}`,
      '/admin/suppressions',
    ];
    const found: string[] = [];
    for (const path of pages) {
      await page.goto(`${stack.appUrl}${path}`);
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
      // Standards mode, and the stylesheet's own font (an escaped stylesheet drops it for Times).
      const looks = await page.evaluate<string>(
        `document.compatMode + ' ' + getComputedStyle(document.body).fontFamily`,
      );
      if (looks !== 'CSS1Compat system-ui, -apple-system, "Segoe UI", sans-serif')
        found.push(`${path}: renders as ${looks}`);
      // On a phone the page fits the screen: wide tables scroll inside themselves, not the page.
      await page.setViewportSize({ width: 375, height: 800 });
      const width = await page.evaluate<number>('document.documentElement.scrollWidth');
      if (width > 375) found.push(`${path}: ${width} px wide at 375 px`);
      await page.setViewportSize({ width: 1280, height: 900 });
    }
    expect(found).toEqual([]);
    // Those rows, as an editor reads them: readers' clicks and scanners' apart, the reader's acts.
    await page.goto(`${stack.appUrl}/admin/issues/${sent}`);
    const row = page.getByTestId('links').locator('tbody tr');
    expect(await row.locator('td').allTextContents()).toEqual([link, '1', '1', '2']);
    await page.goto(`${stack.appUrl}/admin/subscribers/${reader}`);
    const history = await page
      .getByTestId('reader-history')
      .locator('tbody tr')
      .first()
      .textContent();
    expect(history).toContain(sent);
    expect(history).toContain(link);
  });

  it('finds readers by part of their address, and a refused form keeps what was typed', async () => {
    await page.goto(`${stack.appUrl}/admin/subscribers`);
    // The domain part of one seeded reader's address, typed in capitals.
    const [local, domain] = readers[1]!.email.split('@') as [string, string];
    await page.getByLabel('Address contains').fill(`${local.slice(-4)}@${domain}`.toUpperCase());
    await submit(page.getByRole('button', { name: 'Search' }));
    expect(await page.locator('tbody a').allTextContents()).toEqual([readers[1]!.email]);

    await page.getByLabel('Address', { exact: true }).first().fill('ana@@example');
    // The browser's own check would stop this address; the server's is the one under test.
    await page
      .locator('form[method="post"][action="/admin/subscribers"]')
      .evaluate((form) => form.setAttribute('novalidate', ''));
    await submit(page.getByRole('button', { name: 'Add' }));
    expect(await page.getByRole('alert').textContent()).toMatch(/^Not added:Address: /);
    expect(await page.getByLabel('Address', { exact: true }).first().inputValue()).toBe(
      'ana@@example',
    );
  });

  it('a refused action’s error page links back to the form it came from (the Referer the browser sends)', async () => {
    await page.goto(`${stack.appUrl}/admin/articles`);
    await page.getByRole('link', { name: 'Preview' }).first().click();
    await submit(page.getByRole('button', { name: 'Create an issue from this article' }));
    const issuePage = `${new URL(page.url()).pathname}?notice=created`;
    // A test send to an address that is no editor's (the select offers only theirs): refused.
    await page
      .locator('select[name="to"] option')
      .first()
      .evaluate((option) => option.setAttribute('value', 'outsider@example.com'));
    await submit(page.getByRole('button', { name: 'Send test' }));
    expect(await h1()).toBe('That did not work');
    const back = page.getByRole('link', { name: 'Back to the form' });
    expect(await back.getAttribute('href')).toBe(issuePage);
    await back.click();
    await expect.poll(() => page.url()).toBe(`${stack.appUrl}${issuePage}`);
  });

  it('refuses a form without its CSRF token, and signs out', async () => {
    const forged = await page.request.post(`${stack.appUrl}/admin/subscribers`, {
      form: { email: 'forged@example.com' },
    });
    expect(forged.status()).toBe(403);
    await page.goto(`${stack.appUrl}/admin`);
    await submit(page.getByRole('button', { name: /Sign out/ }));
    expect(page.url()).toBe(`${stack.appUrl}/admin/sign-in`);
    await page.goto(`${stack.appUrl}/admin`);
    expect(page.url()).toBe(`${stack.appUrl}/admin/sign-in`);
  });
});
