import { cp, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linkIn, uniqueEmail } from '../support/builders.js';
import { browserAvailable, launchChromium } from '../support/browser.js';
import { freePort } from '../support/emulators.js';
import { runScript, stop } from '../support/processes.js';
import { emailsTo, headerValue, waitFor, type StoredEmail } from '../support/stack.js';

const SLUG = 'nato-western-balkans-stability';

/**
 * The whole reader's journey as a person takes it, in headless Chromium, against `npm start`'s
 * own entry point: subscribe through the form, confirm through the emailed link, receive the
 * article from `npm run send`, and leave through the List-Unsubscribe URL.
 */
describe.skipIf(!browserAvailable())('a reader’s journey in a real browser', () => {
  let env: NodeJS.ProcessEnv;
  let app: ReturnType<typeof runScript>;
  let browser: Browser;
  let page: Page;
  let appUrl: string;
  let sesUrl: string;
  const email = uniqueEmail('browser');

  beforeAll(async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'dispatch-e2e-'));
    // The real content, plus a later article to send after the reader has left.
    const contentDir = join(dataDir, 'content');
    await cp('content', contentDir, { recursive: true });
    await cp('tests/fixtures/content/a-second-article.md', join(contentDir, 'a-second-article.md'));
    const [port, dynamodbPort, sesPort] = [await freePort(), await freePort(), await freePort()];
    env = {
      ...process.env,
      BASE_URL: undefined,
      AWS_ENDPOINT_URL_DYNAMODB: undefined,
      AWS_ENDPOINT_URL_SES: undefined,
      AWS_ENDPOINT_URL_S3: undefined,
      DATA_DIR: dataDir,
      CONTENT_DIR: contentDir,
      PORT: String(port),
      DYNAMODB_PORT: String(dynamodbPort),
      SES_PORT: String(sesPort),
      S3_PORT: '0',
    };
    appUrl = `http://127.0.0.1:${port}`;
    sesUrl = `http://127.0.0.1:${sesPort}`;
    app = runScript('local/start.ts', [], env);
    await app.waitForOutput(/is running locally/);
    browser = await launchChromium();
    page = await browser.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    if (app) await stop(app.child);
  });

  const mailTo = (subjectStart: string) =>
    waitFor(
      async () =>
        (await emailsTo(sesUrl, email)).find((m: StoredEmail) =>
          m.subject.startsWith(subjectStart),
        ),
      `"${subjectStart}" email`,
    );

  it('npm start prints where everything is', () => {
    const out = app.output().stdout;
    expect(out).toContain(`Signup page        ${appUrl}/`);
    expect(out).toContain(`Inbox viewer       ${sesUrl}`);
    expect(out).toContain('Schedules          tick cron(* * * * ? *)');
  });

  it('subscribes through the hosted form', async () => {
    await page.goto(`${appUrl}/`);
    await page.getByLabel('Your email address').fill(email);
    await page.getByLabel('Economy').uncheck();
    await page.getByLabel('Every article, as it is published').check();
    await page.getByRole('button', { name: 'Subscribe' }).click();
    await expect
      .poll(() => page.getByRole('heading', { level: 1 }).textContent())
      .toBe('Check your inbox');
  });

  it('confirms with the button on the emailed link’s page (the GET alone changes nothing)', async () => {
    const confirmation = await mailTo('Confirm your subscription');
    await page.goto(linkIn(confirmation.body.text!, 'confirm'));
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(
      'Confirm your subscription',
    );
    await page.getByRole('button', { name: 'Confirm my subscription' }).click();
    await expect
      .poll(() => page.getByRole('heading', { level: 1 }).textContent())
      .toBe('You are subscribed');
    await mailTo('Welcome to');
  });

  it('receives the article from `npm run send`, once, however often it runs', async () => {
    const first = await runScript('cli/send.ts', [SLUG], env).exit();
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/Done: 1 recipients: 1 sent, 0 skipped/);
    const second = await runScript('cli/send.ts', [SLUG], env).exit();
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/was sent already; nobody is sent it twice/);
    const articles = (await emailsTo(sesUrl, email)).filter((m) =>
      m.subject.startsWith('NATO Reaffirms'),
    );
    expect(articles).toHaveLength(1);
  });

  it('reads the article on the web from the email’s link', async () => {
    const article = await mailTo('NATO Reaffirms');
    await page.goto(`${appUrl}/articles/${SLUG}`);
    expect(article.body.html).toContain(`${appUrl}/articles/${SLUG}`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(
      'NATO Reaffirms Its Commitment to Stability in the Western Balkans',
    );
    expect(await page.getByRole('heading', { name: 'Related' }).isVisible()).toBe(true);
  });

  it('leaves with one click through the List-Unsubscribe URL, and receives nothing more', async () => {
    const article = await mailTo('NATO Reaffirms');
    const raw = await readFile(join(env.DATA_DIR!, 'outbox', `${article.messageId}.eml`));
    const parsed = await simpleParser(raw);
    expect(headerValue(parsed, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
    const url = headerValue(parsed, 'List-Unsubscribe')!.slice(1, -1);

    // A mail scanner's GET shows a page and leaves the subscription alone.
    await page.goto(url);
    expect(await page.getByRole('button', { name: 'Unsubscribe' }).isVisible()).toBe(true);

    // The mail client's one-click POST (RFC 8058): 200, no redirect.
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
      redirect: 'manual',
    });
    expect(response.status).toBe(200);

    const preferences = linkIn((await mailTo('Welcome to')).body.text!, 'preferences');
    await page.goto(preferences);
    expect(
      await page.getByText('You are unsubscribed and receive nothing from us.').isVisible(),
    ).toBe(true);
    expect(await page.getByRole('button', { name: 'Resubscribe' }).isVisible()).toBe(true);

    const later = await runScript('cli/send.ts', ['a-second-article'], env).exit();
    expect(later.stdout).toMatch(/Done: 0 recipients: 0 sent/);
    expect((await emailsTo(sesUrl, email)).map((m) => m.subject)).not.toContain(
      'A second security article',
    );
  });
});
