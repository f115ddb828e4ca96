import { describe, expect, it } from 'vitest';
import {
  botReason,
  BOT_CLICK_WINDOW_MS,
  countInteraction,
  HIDDEN_LINK_BURST_MS,
  HIDDEN_LINK_PARAMETER,
  isHiddenLink,
} from '../../functions/core/events/engagement.js';
import { MemoryEngagementStore } from '../support/fakes/memory-engagement.js';
import { MemoryIssueRepository } from '../support/fakes/memory-issues.js';
import { MemorySubscriberRepository } from '../support/fakes/memory-subscribers.js';
import { aSubscriber } from '../support/builders.js';

const deps = () => ({
  issues: new MemoryIssueRepository(),
  engagement: new MemoryEngagementStore(),
});
const sent = new Date('2026-12-03T09:00:00Z');
const sinceSend = (ms: number) => new Date(sent.getTime() + ms);
const event = (kind: 'Open' | 'Click', at: Date, userAgent?: string) => ({
  kind,
  issueId: 'issue-1',
  subscriberId: 'reader-1',
  at,
  sentAt: sent,
  link: 'https://news.example.org/',
  userAgent,
});

describe("telling bots' opens and clicks from readers'", () => {
  it('a click within the window after delivery is a scanner’s; just after it, a reader’s; the delivery, once known, is the anchor', async () => {
    const d = deps();
    expect(await botReason(d, event('Click', sinceSend(BOT_CLICK_WINDOW_MS - 1)))).toBe(
      'too soon after delivery',
    );
    expect(await botReason(d, event('Click', sinceSend(BOT_CLICK_WINDOW_MS)))).toBeUndefined();
    // Delivered 30 s after the send: a click 35 s after the send is 5 s after delivery.
    await d.engagement.delivered('issue-1', 'reader-1', sinceSend(30_000));
    expect(await botReason(d, event('Click', sinceSend(35_000)))).toBe('too soon after delivery');
    // An open that soon is a reader's: people open mail as it arrives.
    expect(await botReason(d, event('Open', sinceSend(31_000)))).toBeUndefined();
  });

  it("scanners' and crawlers' user agents are bots' at any time; Gmail's and Apple's image proxies are readers'", async () => {
    const d = deps();
    const late = sinceSend(3_600_000);
    for (const agent of [
      'Mozilla/5.0 (compatible; Barracuda Sentinel (EE))',
      'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)',
      'python-requests/2.31.0',
      'curl/8.5.0',
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36',
    ])
      expect(await botReason(d, event('Click', late, agent)), agent).toBe('user agent');
    for (const agent of [
      'Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)',
      'Mozilla/5.0',
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
    ])
      expect(await botReason(d, event('Open', late, agent)), agent).toBeUndefined();
  });

  it('the hidden link is a scanner’s whenever it is followed, and so are the clicks on that copy in its burst; a reader’s own later clicks, and other copies, are not', async () => {
    const d = deps();
    const late = sinceSend(120_000);
    const hidden = {
      ...event('Click', late),
      link: `https://news.example.org/?${HIDDEN_LINK_PARAMETER}=1`,
    };
    expect(await botReason(d, event('Click', sinceSend(30_000)))).toBeUndefined();
    expect(await botReason(d, hidden)).toBe('hidden link');
    expect(await botReason(d, event('Click', sinceSend(121_000)))).toBe('hidden link');
    // Its event came late: a click of the same burst, earlier, is the scanner's too.
    expect(await botReason(d, event('Click', sinceSend(119_000)))).toBe('hidden link');
    // The reader behind that gateway, an hour on: their own click.
    const after = sinceSend(120_000 + HIDDEN_LINK_BURST_MS + 1);
    expect(await botReason(d, event('Click', after))).toBeUndefined();
    expect(
      await botReason(d, { ...event('Click', late), subscriberId: 'reader-2' }),
    ).toBeUndefined();
    expect(await botReason(d, { ...event('Click', late), issueId: 'issue-2' })).toBeUndefined();
    for (const link of [
      'https://news.example.org/',
      'not a url',
      `https://x.test/${HIDDEN_LINK_PARAMETER}`,
    ])
      expect(isHiddenLink(link), link).toBe(false);
  });
});

describe("a reader's engagement kept on their record, for the segments' rules", () => {
  it('is a reader’s open or click only, never a bot’s or a scanner’s, and written at most once a day however often they open', async () => {
    const reader = aSubscriber({ id: 'reader-1' });
    const subscribers = new MemorySubscriberRepository();
    await subscribers.create(reader);
    const tried: boolean[] = [];
    const noteActivity: MemorySubscriberRepository['noteActivity'] = async (...args) => {
      const wrote = await subscribers.noteActivity(...args);
      tried.push(wrote);
      return wrote;
    };
    const d = { ...deps(), subscribers: { noteActivity } };
    // A scanner's clicks (too soon, the hidden link, a crawler's agent) and a crawler's open.
    await countInteraction(d, event('Click', sinceSend(2_000)));
    await countInteraction(d, {
      ...event('Click', sinceSend(600_000)),
      link: `https://news.example.org/?${HIDDEN_LINK_PARAMETER}=1`,
    });
    await countInteraction(d, event('Open', sinceSend(700_000), 'Barracuda Sentinel (EE)'));
    expect(tried).toEqual([]);
    expect(await subscribers.get(reader.id)).not.toHaveProperty('lastClickedAt');
    expect(await subscribers.get(reader.id)).not.toHaveProperty('lastOpenedAt');

    // Fifty opens of the issue: one write. Another issue's open that day: tried, not written.
    for (let i = 0; i < 50; i++) await countInteraction(d, event('Open', sinceSend(3_600_000 + i)));
    await countInteraction(d, { ...event('Open', sinceSend(7_200_000)), issueId: 'issue-2' });
    expect(tried).toEqual([true, false]);
    // A reader's own click, well after delivery, counts; a day on, another issue's open writes.
    await countInteraction(d, event('Click', sinceSend(3_600_000)));
    const nextDay = sinceSend(3_600_000 + 86_400_000 + 1);
    await countInteraction(d, { ...event('Open', nextDay), issueId: 'issue-3' });
    expect(tried).toEqual([true, false, true, true]);
    expect(await subscribers.get(reader.id)).toMatchObject({
      lastOpenedAt: nextDay.toISOString(),
      lastClickedAt: sinceSend(3_600_000).toISOString(),
      version: reader.version,
    });
  });
});
