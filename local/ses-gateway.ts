import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger, type Logger } from '../functions/logger.js';
import { ENGAGING_MAILBOXES, engagementOf, linksOf } from './ses-engagement.js';

/**
 * SES as the local stack sees it: a gateway in front of the emulator (aws-ses-v2-local) that adds
 * what the emulator lacks and the send pipeline depends on:
 *
 * - `GetSendQuota`, and SES's limits enforced: more than MaxSendRate messages in any second is
 *   "Throttling: Maximum sending rate exceeded", more than Max24HourSend a day is "Daily message
 *   quota exceeded", exactly as SES answers;
 * - the mailbox simulator: mail to bounce@, complaint@, suppressionlist@ and success@
 *   simulator.amazonses.com (with +labels) produces the same events as in AWS, wrapped as
 *   EventBridge delivers them, and handed to the `ses-events` handler; open@, click@ and
 *   scanner@ there also produce the Open and Click events SES's tracking would (ses-engagement.ts);
 * - fault injection for tests (a share of calls throttled or failing with a 5xx, the account paused);
 * - a count of accepted messages per recipient, for tests that prove nobody got mail twice.
 *
 * Everything else (the inbox viewer, `/store`) passes through to the emulator.
 */
export type SesGatewayOptions = {
  port: number;
  /** The emulator to forward accepted mail to; without one, accepted mail is only counted. */
  upstream?: string;
  maxSendRate?: number;
  max24HourSend?: number;
  faults?: Faults;
  /** Publish an event (as SES -> EventBridge would) for every accepted message and simulator outcome. */
  onEvent?: (event: SesEventBridgeEvent) => unknown;
  region?: string;
  /** Answer each send this much later (benchmarks model SES's own latency with it). */
  latencyMs?: number;
  /**
   * How long after accepting a message its events are published (default 5 ms). On AWS, SES and
   * EventBridge take a second or more; a test that needs the sender's own write to come first
   * (as it nearly always does there) models that with a longer delay.
   */
  eventDelayMs?: number;
  /** Where a failed `onEvent` is reported (the stack's logger). */
  logger?: Logger;
};

export type Faults = { throttle?: number; serverError?: number; accountPaused?: boolean };

export type SesEventBridgeEvent = {
  version: '0';
  id: string;
  'detail-type': string;
  source: 'aws.ses';
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
};

export type SesGateway = {
  url: string;
  port: number;
  /** Messages SES accepted, per recipient address (lower-cased). */
  accepted: Map<string, number>;
  /** When each message was accepted (epoch ms) and its `kind` tag: tests judge the pace by it. */
  acceptances: { at: number; kind?: string }[];
  /** Sends refused for going over MaxSendRate (not injected faults): when, and their `kind` tag. */
  overRate: { at: number; kind?: string }[];
  setFaults(faults: Faults): void;
  /** Resolves when every event published so far has been handled. */
  settled(): Promise<void>;
  close(): Promise<void>;
};

const XMLNS = 'http://ses.amazonaws.com/doc/2010-12-01/';

export async function startSesGateway(options: SesGatewayOptions): Promise<SesGateway> {
  const maxSendRate = options.maxSendRate ?? 14;
  const max24HourSend = options.max24HourSend ?? 50_000;
  const region = options.region ?? 'us-east-1';
  let faults: Faults = { ...options.faults };
  const accepted = new Map<string, number>();
  const acceptances: SesGateway['acceptances'] = [];
  const overRate: SesGateway['overRate'] = [];
  const lastSecond: number[] = [];
  const lastDay: number[] = [];
  const pending = new Set<Promise<unknown>>();
  const logger = options.logger ?? createLogger();

  const publish = (detailType: string, detail: Record<string, unknown>) => {
    if (!options.onEvent) return;
    const event: SesEventBridgeEvent = {
      version: '0',
      id: randomUUID(),
      'detail-type': detailType,
      source: 'aws.ses',
      account: '000000000000',
      time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region,
      resources: [`arn:aws:ses:${region}:000000000000:configuration-set/local`],
      detail,
    };
    // SES publishes after it accepted the message, not while the sender waits.
    const delivery = new Promise((resolve) => setTimeout(resolve, options.eventDelayMs ?? 5))
      .then(() => options.onEvent!(event))
      .catch((error) =>
        logger.error('ses-gateway: event handler failed', { eventId: event.id, error }),
      );
    pending.add(delivery);
    void delivery.finally(() => pending.delete(delivery));
  };

  const server = createServer(async (req, res) => {
    try {
      if (req.method === 'GET' && req.url === '/_local/accepted')
        return json(res, 200, Object.fromEntries(accepted));
      const body = await readBody(req);
      const params =
        req.method === 'POST' && /x-www-form-urlencoded/.test(req.headers['content-type'] ?? '')
          ? new URLSearchParams(body.toString())
          : undefined;
      const action = params?.get('Action');
      if (action === 'GetSendQuota') {
        const now = Date.now();
        prune(lastDay, now - 86_400_000);
        return xml(
          res,
          200,
          `<GetSendQuotaResponse xmlns="${XMLNS}"><GetSendQuotaResult><SentLast24Hours>${lastDay.length}.0</SentLast24Hours><Max24HourSend>${max24HourSend}.0</Max24HourSend><MaxSendRate>${maxSendRate}.0</MaxSendRate></GetSendQuotaResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></GetSendQuotaResponse>`,
        );
      }
      if (action === 'SendRawEmail' || action === 'SendEmail') {
        if (faults.accountPaused)
          return sesError(
            res,
            400,
            'AccountSendingPausedException',
            'Email sending is disabled for your entire Amazon SES account.',
          );
        // SES refuses a tag whose name or value holds anything but letters, digits, _ and -.
        const badTag = Object.entries(tagsOf(params!)).find(
          ([name, [value]]) => !SES_TAG.test(name) || !SES_TAG.test(value ?? ''),
        );
        if (badTag)
          return sesError(
            res,
            400,
            'InvalidParameterValue',
            `Invalid tag: ${badTag[0]}=${badTag[1][0]}. Tags may only contain letters, numbers, _ and -.`,
          );
        const roll = Math.random();
        if (roll < (faults.throttle ?? 0))
          return sesError(res, 400, 'Throttling', 'Maximum sending rate exceeded.');
        if (roll < (faults.throttle ?? 0) + (faults.serverError ?? 0))
          return sesError(res, 500, 'InternalFailure', 'An internal error occurred.', 'Receiver');
        const now = Date.now();
        prune(lastSecond, now - 1000);
        prune(lastDay, now - 86_400_000);
        if (lastSecond.length >= maxSendRate) {
          overRate.push({ at: now, kind: tagsOf(params!).kind?.[0] });
          return sesError(res, 400, 'Throttling', 'Maximum sending rate exceeded.');
        }
        if (lastDay.length >= max24HourSend)
          return sesError(res, 400, 'Throttling', 'Daily message quota exceeded.');
        lastSecond.push(now);
        lastDay.push(now);
        acceptances.push({ at: now, kind: tagsOf(params!).kind?.[0] });

        const raw =
          action === 'SendRawEmail'
            ? Buffer.from(params!.get('RawMessage.Data') ?? '', 'base64')
            : undefined;
        const recipients = recipientsOf(params!, raw);
        let messageId = `local-${randomUUID()}`;
        if (options.upstream) {
          const upstream = await fetch(`${options.upstream}/`, {
            method: 'POST',
            headers: forwardedHeaders(req),
            body: new Uint8Array(body),
          });
          const text = await upstream.text();
          if (!upstream.ok) return xml(res, upstream.status, text);
          messageId = /<MessageId>([^<]+)<\/MessageId>/.exec(text)?.[1] ?? messageId;
        }
        if (options.latencyMs)
          await new Promise((resolve) => setTimeout(resolve, options.latencyMs));
        for (const r of recipients) accepted.set(r, (accepted.get(r) ?? 0) + 1);
        const links = recipients.some((r) => ENGAGING_MAILBOXES.has(simulated(r) ?? ''))
          ? await linksOf(raw)
          : [];
        publishOutcomes(publish, messageId, recipients, tagsOf(params!), links);
        return xml(
          res,
          200,
          `<${action}Response xmlns="${XMLNS}"><${action}Result><MessageId>${messageId}</MessageId></${action}Result><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></${action}Response>`,
        );
      }
      if (!options.upstream) return json(res, 404, { message: 'not found' });
      const upstream = await fetch(`${options.upstream}${req.url}`, {
        method: req.method,
        headers: forwardedHeaders(req),
        body: ['GET', 'HEAD'].includes(req.method!) ? undefined : new Uint8Array(body),
      });
      res.writeHead(upstream.status, {
        'content-type': upstream.headers.get('content-type') ?? 'application/octet-stream',
      });
      res.end(Buffer.from(await upstream.arrayBuffer()));
    } catch (error) {
      sesError(res, 500, 'InternalFailure', String(error), 'Receiver');
    }
  });
  server.listen(options.port, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    accepted,
    acceptances,
    overRate,
    setFaults: (next) => (faults = { ...next }),
    settled: async () => {
      while (pending.size) await Promise.all([...pending]);
    },
    // Events already published are still delivered, as SES would: close after they are handled.
    close: async () => {
      while (pending.size) await Promise.all([...pending]);
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}

/** What SES publishes for each recipient; the simulator's addresses decide the outcome. */
function publishOutcomes(
  publish: (type: string, detail: Record<string, unknown>) => void,
  messageId: string,
  recipients: string[],
  tags: Record<string, string[]>,
  links: string[],
) {
  const timestamp = new Date().toISOString();
  const mail = {
    timestamp,
    source: 'local',
    messageId,
    destination: recipients,
    headersTruncated: false,
    tags,
  };
  publish('Email Sent', { eventType: 'Send', mail, send: {} });
  for (const recipient of recipients) {
    const mailbox = simulated(recipient);
    const at = new Date().toISOString();
    if (mailbox === 'bounce' || mailbox === 'suppressionlist') {
      publish('Email Bounced', {
        eventType: 'Bounce',
        mail,
        bounce: {
          bounceType: 'Permanent',
          bounceSubType: mailbox === 'bounce' ? 'General' : 'OnAccountSuppressionList',
          bouncedRecipients: [
            {
              emailAddress: recipient,
              action: 'failed',
              status: '5.1.1',
              diagnosticCode: 'smtp; 550 5.1.1 user unknown',
            },
          ],
          timestamp: at,
          feedbackId: randomUUID(),
        },
      });
      continue;
    }
    publish('Email Delivered', {
      eventType: 'Delivery',
      mail,
      delivery: {
        timestamp: at,
        recipients: [recipient],
        processingTimeMillis: 5,
        smtpResponse: '250 2.6.0 Message received',
      },
    });
    for (const { detailType, detail } of engagementOf(mailbox, new Date(at), links))
      publish(detailType, { ...detail, mail });
    if (mailbox === 'complaint') {
      publish('Email Complaint Received', {
        eventType: 'Complaint',
        mail,
        complaint: {
          complainedRecipients: [{ emailAddress: recipient }],
          timestamp: new Date(Date.now() + 1).toISOString(),
          feedbackId: randomUUID(),
          complaintFeedbackType: 'abuse',
        },
      });
    }
  }
}

/** The simulator's mailbox an address is, without its +label. */
function simulated(recipient: string) {
  const [local, domain] = recipient.split('@') as [string, string];
  return domain === 'simulator.amazonses.com' ? local.split('+')[0] : undefined;
}

function recipientsOf(params: URLSearchParams, raw: Buffer | undefined): string[] {
  const listed = [...params.entries()]
    .filter(([k]) => /^Destinations?\.(member|ToAddresses\.member)\.\d+$/.test(k))
    .map(([, v]) => v);
  if (listed.length) return listed.map((a) => a.toLowerCase());
  if (!raw) return [];
  const head = raw
    .toString('utf8', 0, Math.min(raw.length, 16_384))
    .split(/\r?\n\r?\n/)[0]!
    .replace(/\r?\n[ \t]+/g, ' ');
  const to = head
    .split(/\r?\n/)
    .filter((line) => /^(to|cc):/i.test(line))
    .map((line) => line.slice(line.indexOf(':') + 1))
    .join(',');
  return [...to.matchAll(/[^\s<>,"]+@[^\s<>,"]+/g)].map((m) => m[0].toLowerCase());
}

/** SES's rule for a message tag's name and value (MessageTag in its API reference). */
const SES_TAG = /^[A-Za-z0-9_-]{1,256}$/;

function tagsOf(params: URLSearchParams): Record<string, string[]> {
  const tags: Record<string, string[]> = {};
  for (let i = 1; params.has(`Tags.member.${i}.Name`); i++)
    tags[params.get(`Tags.member.${i}.Name`)!] = [params.get(`Tags.member.${i}.Value`) ?? ''];
  return tags;
}

/** The caller's headers (the emulator insists on an Authorization header), less the hop-by-hop ones. */
function forwardedHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (
      value === undefined ||
      ['host', 'connection', 'content-length', 'transfer-encoding', 'keep-alive'].includes(name)
    )
      continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

function prune(times: number[], before: number) {
  let drop = 0;
  while (drop < times.length && times[drop]! <= before) drop++;
  if (drop) times.splice(0, drop);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const xml = (res: ServerResponse, status: number, body: string) => {
  res.writeHead(status, { 'content-type': 'text/xml' });
  res.end(body);
};
const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};
const sesError = (
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  type = 'Sender',
) =>
  xml(
    res,
    status,
    `<ErrorResponse xmlns="${XMLNS}"><Error><Type>${type}</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
  );
