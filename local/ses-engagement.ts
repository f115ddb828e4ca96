import { isHiddenLink } from '../functions/core/events/engagement.js';

/**
 * Opens and clicks for the local SES gateway, which SES's own mailbox simulator never produces:
 * mail to these simulator addresses (with any +label) is read, as SES would report it with open
 * and click tracking on (docs/engagement.md, "Locally"):
 *
 * - `open@simulator.amazonses.com`: the reader opens it, a minute after delivery;
 * - `click@…`: opens it and clicks its first link (not the unsubscribe or preferences link, nor
 *   the hidden one, which no reader sees);
 * - `scanner@…`: a link scanner fetches every link (the hidden one too) one second after
 *   delivery, with a browser's user agent as Safe Links does, and nobody reads it.
 *
 * The events' timestamps say when the reader acted (delivery + the delay); they are published at
 * once, through the same path as the Delivery event, so a test does not wait the minute.
 */
export const ENGAGING_MAILBOXES = new Set(['open', 'click', 'scanner']);

/** A reader's act, this long after delivery in the events' timestamps. */
export const READER_AFTER_MS = 60_000;
export const SCANNER_AFTER_MS = 1_000;

const BROWSER =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15';

/** The links of the message's HTML part, in order, without the list's own. */
export async function linksOf(raw: Buffer | undefined): Promise<string[]> {
  if (!raw) return [];
  const { simpleParser } = await import('mailparser');
  const html = (await simpleParser(raw)).html || '';
  const links = [...html.matchAll(/href="([^"]+)"/g)].map((m) => m[1]!.replaceAll('&amp;', '&'));
  return [...new Set(links)].filter(
    (l) => /^https?:/.test(l) && !/\/(unsubscribe|preferences)\//.test(l),
  );
}

/** The Open and Click events (their detail less `mail`) a simulated mailbox produces. */
export function engagementOf(
  mailbox: string | undefined,
  deliveredAt: Date,
  links: string[],
): { detailType: string; detail: Record<string, unknown> }[] {
  const at = (ms: number) => new Date(deliveredAt.getTime() + ms).toISOString();
  const open = (ms: number) => ({
    detailType: 'Email Opened',
    detail: {
      eventType: 'Open',
      open: { timestamp: at(ms), userAgent: BROWSER, ipAddress: '198.51.100.20' },
    },
  });
  const click = (link: string, ms: number) => ({
    detailType: 'Email Clicked',
    detail: {
      eventType: 'Click',
      click: {
        timestamp: at(ms),
        ipAddress: '198.51.100.20',
        userAgent: BROWSER,
        link,
        // Tags an editor puts on a link (`ses:tags`); the templates set none.
        linkTags: {},
      },
    },
  });
  if (mailbox === 'open') return [open(READER_AFTER_MS)];
  if (mailbox === 'click')
    return [
      open(READER_AFTER_MS),
      // A reader cannot see the hidden link, so never follows it; a scanner fetches it with the rest.
      ...links
        .filter((l) => !isHiddenLink(l))
        .slice(0, 1)
        .map((l) => click(l, READER_AFTER_MS + 5_000)),
    ];
  if (mailbox === 'scanner') return links.map((l) => click(l, SCANNER_AFTER_MS));
  return [];
}
