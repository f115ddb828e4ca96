/**
 * Engagement from SES's events, on DynamoDB (dynalite): per issue and per link, unique readers,
 * each reader's history, and bots' and scanners' opens and clicks counted apart from readers'.
 * First the `ses-events` handler with events in the shapes SES publishes them; then the whole
 * path: an issue sent through the local SES gateway, whose simulator mailboxes open and click.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MjmlIssueRenderer } from '../../functions/adapters/mjml/mjml-renderer.js';
import { buildDeliveryDeps, buildEventDeps, parseConfig } from '../../functions/config.js';
import { runWorker } from '../../functions/core/delivery/worker.js';
import {
  BOT_CLICK_WINDOW_MS,
  HIDDEN_LINK_PARAMETER,
} from '../../functions/core/events/engagement.js';
import { issueEngagement } from '../../functions/core/issues/engagement-report.js';
import { createArticleIssue, sendIssueNow } from '../../functions/core/issues/manage-issues.js';
import { subscriberIdFor } from '../../functions/core/subscribers/subscriber.js';
import { handler } from '../../functions/handlers/ses-events.js';
import { createApiKey } from '../../functions/core/access/api-keys.js';
import { createAdminApp } from '../../functions/http/admin/admin-app.js';
import type { LocalStack } from '../../local/stack.js';
import { adminApi } from '../support/admin-api.js';
import { captureLogger } from '../support/logger.js';
import { aSubscriber } from '../support/builders.js';
import { lambdaContext } from '../../local/lambda-context.js';
import { sesEngagementEvent } from '../support/lambda-events.js';
import { seedReaders, startTestStack } from '../support/stack.js';

let stack: LocalStack;
let events: ReturnType<typeof buildEventDeps>;

beforeAll(async () => {
  stack = await startTestStack({ LOCAL_SES_MAX_SEND_RATE: '1000' });
  events = buildEventDeps(parseConfig(process.env));
}, 60_000);
afterAll(async () => stack?.close());

const T0 = new Date('2026-12-03T09:00:00.000Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);
const mail = (recipient: string, issue: string) => ({
  messageId: `0100019${recipient.length}-${recipient}`,
  recipient,
  configurationSet: 'dispatch-production',
  from: 'news@example.org',
  tags: { kind: ['issue'], issue: [issue] },
});

describe('SES events through the handler', () => {
  it("counts a scanner's clicks within seconds of delivery apart from readers', per link and per issue, with unique readers", async () => {
    const issue = 'article-engagement-handler';
    const ana = mail('ana@example.com', issue);
    const ben = mail('ben@example.com', issue);
    const home = 'https://news.example.org/';
    const article = 'https://news.example.org/articles/nato';
    const send = (event: ReturnType<typeof sesEngagementEvent>) =>
      handler(event as never, lambdaContext('sesEvents', 30_000));
    await send(sesEngagementEvent('Delivery', { ...ana, at: at(1), sentAt: at(0) }));
    await send(sesEngagementEvent('Delivery', { ...ben, at: at(1), sentAt: at(0) }));
    // Ana's mail scanner fetches both links two seconds after delivery, with a browser's agent.
    await send(sesEngagementEvent('Click', { ...ana, at: at(3), sentAt: at(0), link: home }));
    await send(sesEngagementEvent('Click', { ...ana, at: at(3), sentAt: at(0), link: article }));
    // Ben's clicks before his Delivery event came: the send's time is the anchor.
    await send(
      sesEngagementEvent('Click', {
        ...mail('cy@example.com', issue),
        at: at(4),
        sentAt: at(0),
        link: article,
      }),
    );
    // A crawler that says what it is, at any time.
    await send(
      sesEngagementEvent('Open', {
        ...ben,
        at: at(600),
        sentAt: at(0),
        userAgent: 'Mozilla/5.0 (compatible; Barracuda Sentinel (EE))',
      }),
    );
    // The readers themselves, minutes later: Ana twice on the article, Ben once; both open.
    await send(sesEngagementEvent('Open', { ...ana, at: at(120), sentAt: at(0) }));
    await send(sesEngagementEvent('Open', { ...ana, at: at(900), sentAt: at(0) }));
    await send(sesEngagementEvent('Open', { ...ben, at: at(300), sentAt: at(0) }));
    await send(sesEngagementEvent('Click', { ...ana, at: at(130), sentAt: at(0), link: article }));
    await send(sesEngagementEvent('Click', { ...ana, at: at(905), sentAt: at(0), link: article }));
    await send(sesEngagementEvent('Click', { ...ben, at: at(310), sentAt: at(0), link: article }));
    // The same event delivered again by EventBridge counts once.
    const again = sesEngagementEvent('Click', { ...ben, at: at(320), sentAt: at(0), link: home });
    await send(again);
    await send(again);

    expect(await events.issues.engagement(issue)).toEqual({
      delivered: 2,
      bounced: 0,
      complained: 0,
      opened: 3,
      uniqueOpened: 2,
      botOpened: 1,
      clicked: 4,
      uniqueClicked: 2,
      botClicked: 3,
    });
    expect(await events.engagement.links(issue)).toEqual([
      { link: article, clicks: 3, uniqueClickers: 2, botClicks: 2 },
      { link: home, clicks: 1, uniqueClickers: 1, botClicks: 1 },
    ]);
    const history = await events.engagement.history(subscriberIdFor('ana@example.com'));
    expect(history).toEqual([
      {
        issueId: issue,
        deliveredAt: at(1).toISOString(),
        openedAt: at(120).toISOString(),
        opens: 2,
        clicks: [
          { link: article, at: at(130).toISOString() },
          { link: article, at: at(905).toISOString() },
        ],
      },
    ]);
    expect(BOT_CLICK_WINDOW_MS).toBe(10_000);
  });
});

describe('the hidden link', () => {
  it("counts whatever follows it as a scanner's, and the clicks on that copy in its burst, however late the burst", async () => {
    const issue = 'article-engagement-hidden-link';
    const dee = mail('dee@example.com', issue);
    const eve = mail('eve@example.com', issue);
    const article = 'https://news.example.org/articles/nato';
    const hidden = `https://news.example.org/?${HIDDEN_LINK_PARAMETER}=1`;
    const send = (event: ReturnType<typeof sesEngagementEvent>) =>
      handler(event as never, lambdaContext('sesEvents', 30_000));
    for (const who of [dee, eve])
      await send(sesEngagementEvent('Delivery', { ...who, at: at(1), sentAt: at(0) }));
    // Dee's scanner comes a minute later, past the timing rule, with a browser's agent: the
    // hidden link first, then the article. Eve reads it and clicks the article herself.
    await send(sesEngagementEvent('Click', { ...dee, at: at(60), sentAt: at(0), link: hidden }));
    await send(sesEngagementEvent('Click', { ...dee, at: at(61), sentAt: at(0), link: article }));
    await send(sesEngagementEvent('Click', { ...eve, at: at(200), sentAt: at(0), link: article }));
    // Dee herself, an hour on, behind that gateway: her own click.
    await send(sesEngagementEvent('Click', { ...dee, at: at(3600), sentAt: at(0), link: article }));

    expect(await events.issues.engagement(issue)).toMatchObject({
      clicked: 2,
      uniqueClicked: 2,
      botClicked: 2,
    });
    expect(await events.engagement.links(issue)).toEqual([
      { link: article, clicks: 2, uniqueClickers: 2, botClicks: 1 },
      { link: hidden, clicks: 0, uniqueClickers: 0, botClicks: 1 },
    ]);
    expect(await events.engagement.history(subscriberIdFor('dee@example.com'))).toEqual([
      {
        issueId: issue,
        deliveredAt: at(1).toISOString(),
        opens: 0,
        clicks: [{ link: article, at: at(3600).toISOString() }],
      },
    ]);
  });
});

describe('the whole path through the local SES gateway', () => {
  it("sends an issue; simulated readers open and click, a scanner's clicks a second after delivery are counted apart", async () => {
    const deps = await buildDeliveryDeps(
      parseConfig(process.env),
      new MjmlIssueRenderer('templates'),
    );
    const topic = 'politics';
    const readers = await seedReaders(stack, 4, (i) =>
      aSubscriber({
        topics: [topic],
        email: `${['click', 'click', 'open', 'scanner'][i]}+r${i}@simulator.amazonses.com`,
      }),
    );
    const issue = await createArticleIssue(deps, {
      article: 'nato-western-balkans-stability',
      topics: [topic],
    });
    await sendIssueNow(deps, issue.id);
    await runWorker(deps, { issueId: issue.id });
    await stack.sesGateway!.settled();

    const report = await issueEngagement(
      { issues: events.issues, engagement: events.engagement },
      issue.id,
    );
    const scanned = report.links.reduce((sum, l) => sum + l.botClicks, 0);
    expect(scanned).toBeGreaterThan(1);
    expect(report.totals).toMatchObject({
      delivered: 4,
      opened: 3,
      uniqueOpened: 3,
      botOpened: 0,
      clicked: 2,
      uniqueClicked: 2,
      botClicked: scanned,
    });
    // The scanner followed the hidden link too; no simulated reader did.
    const hidden = report.links.find((l) => l.link.includes(`?${HIDDEN_LINK_PARAMETER}=`));
    expect(hidden).toMatchObject({ clicks: 0, uniqueClickers: 0, botClicks: 1 });
    const [top] = report.links;
    expect(top).toMatchObject({ clicks: 2, uniqueClickers: 2, botClicks: 1 });
    expect(top!.link).toMatch(/^https?:\/\//);
    const scanner = readers[3]!;
    expect(await events.engagement.history(scanner.id)).toEqual([
      expect.objectContaining({ issueId: issue.id, opens: 0, clicks: [] }),
    ]);
    const clicker = await events.engagement.history(readers[0]!.id);
    expect(clicker[0]).toMatchObject({ issueId: issue.id, opens: 1 });
    expect(clicker[0]!.clicks).toEqual([{ link: top!.link, at: expect.any(String) }]);

    // The same through the admin API, to a viewer's key.
    const key = (
      await createApiKey(stack.deps, {
        name: 'Viewer',
        email: 'viewer@example.org',
        role: 'viewer',
      })
    ).key;
    const call = adminApi(() => createAdminApp(stack.deps, { logger: captureLogger() }));
    const engagement = await call(`/issues/${issue.id}/engagement`, key);
    expect(engagement.status).toBe(200);
    expect(await engagement.json()).toEqual(JSON.parse(JSON.stringify(report)));
    expect((await call('/issues/article-no-such-issue/engagement', key)).status).toBe(404);
    const history = await call(`/subscribers/${readers[0]!.id}/history`, key);
    expect(history.status).toBe(200);
    expect(await history.json()).toEqual({
      subscriberId: readers[0]!.id,
      issues: [
        {
          ...JSON.parse(JSON.stringify(clicker[0])),
          sentAt: expect.any(String),
          messageId: expect.any(String),
        },
      ],
    });
    expect((await call('/subscribers/nobody/history', key)).status).toBe(404);
  }, 60_000);
});
