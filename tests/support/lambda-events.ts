/**
 * The events AWS hands each function, in the shapes AWS documents: HTTP API (payload format 2.0,
 * the same as a function URL's), the EventBridge scheduled event, and an SES event published by
 * a configuration set to EventBridge.
 */
import { randomUUID } from 'node:crypto';

export const ACCOUNT = '123456789012';
const REGION = 'us-east-1';

export type HttpResponse = {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: boolean;
  cookies?: string[];
};

/**
 * An API Gateway HTTP API request. Text bodies arrive as they are; others (a posted form
 * included) base64-encoded, as API Gateway does.
 */
export function httpEvent(
  method: string,
  url: string,
  /** A Uint8Array body is bytes (a file in a multipart form), base64 as API Gateway sends it. */
  options: { headers?: Record<string, string>; body?: string | Uint8Array; sourceIp?: string } = {},
) {
  const { host, pathname, search } = new URL(url);
  const headers: Record<string, string> = {
    host,
    'user-agent': 'vitest',
    'x-forwarded-proto': 'https',
    ...options.headers,
  };
  const text = /^(text\/|application\/json)/.test(headers['content-type'] ?? 'text/plain');
  const now = new Date();
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: pathname,
    rawQueryString: search.replace(/^\?/, ''),
    headers,
    ...(search ? { queryStringParameters: Object.fromEntries(new URLSearchParams(search)) } : {}),
    requestContext: {
      accountId: ACCOUNT,
      apiId: 'a1b2c3d4e5',
      domainName: host,
      domainPrefix: host.split('.')[0],
      http: {
        method,
        path: pathname,
        protocol: 'HTTP/1.1',
        sourceIp: options.sourceIp ?? '198.51.100.7',
        userAgent: 'vitest',
      },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(options.body === undefined
      ? { isBase64Encoded: false }
      : {
          body:
            text && typeof options.body === 'string'
              ? options.body
              : Buffer.from(options.body).toString('base64'),
          isBase64Encoded: !text || typeof options.body !== 'string',
        }),
  };
}

export const responseBody = (response: HttpResponse) =>
  response.isBase64Encoded ? Buffer.from(response.body, 'base64').toString('utf8') : response.body;

/** What an EventBridge rule with a schedule delivers when its target passes the event itself. */
export function scheduledEvent(rule: string, at = new Date()) {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: ACCOUNT,
    time: at.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: REGION,
    resources: [`arn:aws:events:${REGION}:${ACCOUNT}:rule/${rule}`],
    detail: {},
  };
}

type SesMailOptions = {
  messageId: string;
  recipient: string;
  configurationSet: string;
  from: string;
  tags?: Record<string, string[]>;
};

/** An SES event as a configuration set publishes it to EventBridge: the envelope and `mail`. */
function sesEvent(
  detailType: string,
  options: SesMailOptions,
  detail: (timestamp: string) => Record<string, unknown>,
) {
  const timestamp = new Date().toISOString();
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': detailType,
    source: 'aws.ses',
    account: ACCOUNT,
    time: timestamp.replace(/\.\d{3}Z$/, 'Z'),
    region: REGION,
    resources: [`arn:aws:ses:${REGION}:${ACCOUNT}:configuration-set/${options.configurationSet}`],
    detail: {
      ...detail(timestamp),
      mail: {
        timestamp,
        source: options.from,
        sourceArn: `arn:aws:ses:${REGION}:${ACCOUNT}:identity/${options.from.split('@')[1]}`,
        sendingAccountId: ACCOUNT,
        messageId: options.messageId,
        destination: [options.recipient],
        headersTruncated: false,
        tags: {
          'ses:configuration-set': [options.configurationSet],
          'ses:source-ip': ['198.51.100.7'],
          ...options.tags,
        },
      },
    },
  };
}

/** A permanent bounce, as SES publishes it to EventBridge from a configuration set. */
export function sesBounceEvent(options: SesMailOptions) {
  return sesEvent('Email Bounced', options, (timestamp) => ({
    eventType: 'Bounce',
    bounce: {
      feedbackId: `${randomUUID()}-000000`,
      bounceType: 'Permanent',
      bounceSubType: 'General',
      bouncedRecipients: [
        {
          emailAddress: options.recipient,
          action: 'failed',
          status: '5.1.1',
          diagnosticCode: 'smtp; 550 5.1.1 user unknown',
        },
      ],
      timestamp,
      reportingMTA: 'dsn; e226-55.smtp-out.us-east-1.amazonses.com',
    },
  }));
}

/**
 * A Delivery, Open or Click as SES publishes it (open and click tracking on): the reader's act
 * at `at`, the message accepted at `sentAt` (`mail.timestamp`).
 */
export function sesEngagementEvent(
  kind: 'Delivery' | 'Open' | 'Click',
  options: SesMailOptions & { at: Date; sentAt?: Date; link?: string; userAgent?: string },
) {
  const userAgent =
    options.userAgent ??
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148';
  const timestamp = options.at.toISOString();
  const event = sesEvent(
    `Email ${kind === 'Delivery' ? 'Delivered' : kind === 'Open' ? 'Opened' : 'Clicked'}`,
    options,
    () =>
      kind === 'Delivery'
        ? {
            eventType: 'Delivery',
            delivery: {
              timestamp,
              processingTimeMillis: 912,
              recipients: [options.recipient],
              smtpResponse: '250 2.0.0 OK',
              reportingMTA: 'a8-61.smtp-out.amazonses.com',
            },
          }
        : kind === 'Open'
          ? { eventType: 'Open', open: { timestamp, userAgent, ipAddress: '192.0.2.1' } }
          : {
              eventType: 'Click',
              click: {
                timestamp,
                userAgent,
                ipAddress: '192.0.2.1',
                link: options.link,
                linkTags: {},
              },
            },
  );
  (event.detail.mail as { timestamp: string }).timestamp = (
    options.sentAt ?? options.at
  ).toISOString();
  return event;
}

/** SES accepted a message: for an outbox email (its tags), the receipt. */
export function sesSendEvent(options: SesMailOptions) {
  return sesEvent('Email Sent', options, () => ({ eventType: 'Send', send: {} }));
}

/**
 * What a DynamoDB Streams event source mapping hands the function: one record per item write,
 * its new image in DynamoDB's attribute-value form (as a low-level Scan or Query returns items),
 * as `new-image` streams carry it.
 */
export function dynamodbStreamEvent(
  items: Record<string, unknown>[],
  options: { table?: string; eventName?: 'INSERT' | 'MODIFY' } = {},
) {
  const table = options.table ?? 'dispatch-production-TableTable';
  const streamArn = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${table}/stream/2026-11-28T00:00:00.000`;
  return {
    Records: items.map((item, i) => ({
      eventID: randomUUID().replaceAll('-', ''),
      eventName: options.eventName ?? 'MODIFY',
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: REGION,
      dynamodb: {
        ApproximateCreationDateTime: Math.floor(Date.now() / 1000),
        Keys: { PK: item.PK, SK: item.SK },
        NewImage: item,
        SequenceNumber: String(100000000000000000000 + i),
        SizeBytes: JSON.stringify(item).length,
        StreamViewType: 'NEW_IMAGE',
      },
      eventSourceARN: streamArn,
    })),
  };
}

/**
 * "CloudWatch Alarm State Change" as CloudWatch publishes it to the default bus (AWS's
 * CloudWatch User Guide, "Alarm events and EventBridge"), for a single-metric alarm.
 */
export function alarmStateChangeEvent(
  alarmName: string,
  state: 'ALARM' | 'OK',
  previous: 'ALARM' | 'OK' = 'OK',
) {
  const time = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const reason =
    state === 'ALARM'
      ? 'Threshold Crossed: 1 datapoint [0.031 (03/12/26 09:00:00)] was greater than the threshold (0.02).'
      : 'Threshold Crossed: 1 datapoint [0.004 (03/12/26 10:00:00)] was not greater than the threshold (0.02).';
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'CloudWatch Alarm State Change' as const,
    source: 'aws.cloudwatch',
    account: ACCOUNT,
    time,
    region: REGION,
    resources: [`arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${alarmName}`],
    detail: {
      alarmName,
      state: { value: state, reason, timestamp: time.replace('Z', '.000+0000') },
      previousState: { value: previous, reason: 'Unchecked: Initial alarm creation' },
      configuration: {
        description: "SES's bounce rate is over 2 %",
        metrics: [
          {
            id: 'm1',
            metricStat: {
              metric: { namespace: 'AWS/SES', name: 'Reputation.BounceRate', dimensions: {} },
              period: 900,
              stat: 'Maximum',
            },
            returnData: true,
          },
        ],
      },
    },
  };
}

/**
 * What EventBridge Scheduler hands a schedule's target: the schedule's input (a CronV2's `event`)
 * with its context attributes filled in, as Scheduler does at each firing.
 */
export function schedulerInput(template: unknown, schedule: string, at = new Date()) {
  const values: Record<string, string> = {
    'scheduled-time': at.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    'execution-id': randomUUID().replace(/-/g, '').slice(0, 16),
    'schedule-arn': `arn:aws:scheduler:${REGION}:${ACCOUNT}:schedule/default/${schedule}`,
    'attempt-number': '1',
  };
  return JSON.parse(
    JSON.stringify(template).replace(/<aws\.scheduler\.([a-z-]+)>/g, (m, key: string) => {
      const value = values[key];
      if (value === undefined) throw new Error(`Scheduler has no context attribute ${m}`);
      return value;
    }),
  );
}
