import { variantCounterId } from '../issues/ab-test.js';
import type { Engagement } from '../issues/issue.js';
import type { EngagementStore, IssueRepository, SubscriberRepository } from '../ports.js';

/**
 * A click this soon after the reader's copy was delivered (or, with no Delivery event yet, sent)
 * is a link scanner's: Microsoft Safe Links, Proofpoint, Mimecast and the like fetch every link
 * of a message as it arrives, often with a browser's user agent, long before anyone reads it.
 */
export const BOT_CLICK_WINDOW_MS = 10_000;

/**
 * User agents that announce a scanner, a crawler or a script. Not Gmail's or Apple's image
 * proxies: they load the pixel when a reader opens the message, so those opens are readers'.
 */
const SCANNER_AGENT =
  /bot\b|crawl|spider|scan|preview|barracuda|proofpoint|mimecast|safelinks|urldefense|symantec|forcepoint|trendmicro|python-requests|python-urllib|curl\/|wget|go-http-client|okhttp|java\/|headless|phantomjs/i;

/**
 * Every issue's email carries one link no reader can see or reach (templates/partials/
 * hidden-link.mjml: hidden, empty, out of the tab order and of the text part): whatever follows
 * it is a scanner fetching every link of the message, whenever it comes.
 */
export const HIDDEN_LINK_PARAMETER = 'dispatch-hidden-link';
export const isHiddenLink = (link: string | undefined) => {
  if (!link) return false;
  try {
    return new URL(link).searchParams.has(HIDDEN_LINK_PARAMETER);
  } catch {
    return false;
  }
};

export type Interaction = {
  kind: 'Open' | 'Click';
  issueId: string;
  subscriberId: string;
  at: Date;
  /** When SES accepted the message (`mail.timestamp`): the anchor without a Delivery event. */
  sentAt?: Date;
  link?: string;
  userAgent?: string;
  /** An A/B issue's variant (the message's tag): its readers' opens and clicks count to it too. */
  variant?: string;
};

export type EngagementDeps = {
  issues: Pick<IssueRepository, 'addEngagement'>;
  engagement: EngagementStore;
  /** Where a reader's latest open and click are kept for the segments' rules (`noteActivity`). */
  subscribers: Pick<SubscriberRepository, 'noteActivity'>;
};

export type BotReason = 'user agent' | 'too soon after delivery' | 'hidden link';

/**
 * A scanner fetches a message's links in one burst: a click on a copy this close to when its
 * hidden link was followed (before or after: SES's events come in no order) is the scanner's.
 * Not longer: a reader behind a gateway that scans every message clicks for themselves later,
 * and those clicks are theirs.
 */
export const HIDDEN_LINK_BURST_MS = 60_000;

/**
 * Why an open or a click is a bot's, or undefined when it is a reader's. A click on the hidden
 * link marks the reader's copy, and the clicks on it within HIDDEN_LINK_BURST_MS of that are the
 * scanner's too (one counted before the hidden link's event came stays a reader's, unless the
 * time rule caught it: the counters are not taken back).
 */
export async function botReason(
  deps: Pick<EngagementDeps, 'engagement'>,
  event: Interaction,
): Promise<BotReason | undefined> {
  if (event.kind === 'Click' && isHiddenLink(event.link)) {
    await deps.engagement.hiddenLinkFollowed(event.issueId, event.subscriberId, event.at);
    return 'hidden link';
  }
  if (event.userAgent && SCANNER_AGENT.test(event.userAgent)) return 'user agent';
  if (event.kind !== 'Click') return undefined;
  const marks = await deps.engagement.marks(event.issueId, event.subscriberId);
  if (
    marks.hiddenLinkAt &&
    Math.abs(event.at.getTime() - marks.hiddenLinkAt.getTime()) <= HIDDEN_LINK_BURST_MS
  )
    return 'hidden link';
  const anchor = marks.deliveredAt ?? event.sentAt;
  if (anchor && event.at.getTime() - anchor.getTime() < BOT_CLICK_WINDOW_MS)
    return 'too soon after delivery';
  return undefined;
}

/**
 * Counts one open or click: a bot's only as a bot's (never in readers' figures, nor in the
 * reader's history, nor on their record); a reader's in the issue's totals, its link's, and the
 * reader's history, uniques from the history's conditional writes. A reader's first open (or
 * click) of an issue is also kept on their record for the segments' engagement rules: one
 * conditional write tried per reader and issue, landing at most once a day (noteActivity), so
 * the 49 opens after the first cost nothing more. Returns the issue counter it added to.
 */
export async function countInteraction(
  deps: EngagementDeps,
  event: Interaction,
): Promise<keyof Engagement> {
  const { issueId, subscriberId, link } = event;
  const bot = await botReason(deps, event);
  if (event.kind === 'Open') {
    if (bot) return add(deps, issueId, 'botOpened');
    const first = await deps.engagement.opened(issueId, subscriberId, event.at);
    await addReaders(deps, event, { opened: 1, uniqueOpened: first ? 1 : 0 });
    if (first) await deps.subscribers.noteActivity(subscriberId, 'opened', event.at);
    return 'opened';
  }
  if (bot) {
    if (link) await deps.engagement.addLinkClicks(issueId, link, { botClicks: 1 });
    return add(deps, issueId, 'botClicked');
  }
  const first = await deps.engagement.clicked(issueId, subscriberId, link ?? '', event.at);
  if (link)
    await deps.engagement.addLinkClicks(issueId, link, {
      clicks: 1,
      uniqueClickers: first.firstOfLink ? 1 : 0,
    });
  await addReaders(deps, event, { clicked: 1, uniqueClicked: first.firstOfIssue ? 1 : 0 });
  if (first.firstOfIssue) await deps.subscribers.noteActivity(subscriberId, 'clicked', event.at);
  return 'clicked';
}

/** A reader's open or click: to the issue's counters, and to its A/B variant's (bots' never). */
async function addReaders(deps: EngagementDeps, event: Interaction, change: Partial<Engagement>) {
  await deps.issues.addEngagement(event.issueId, change);
  if (event.variant)
    await deps.issues.addEngagement(variantCounterId(event.issueId, event.variant), change);
}

async function add(deps: EngagementDeps, issueId: string, field: keyof Engagement) {
  await deps.issues.addEngagement(issueId, { [field]: 1 });
  return field;
}
