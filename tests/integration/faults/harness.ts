/**
 * What the fault tests share: the local stack (dynalite, the SES gateway and the emulator behind
 * it), a fault proxy in front of SES and one in front of DynamoDB, the send pipeline built on the
 * proxies, and the one judgement that matters, made from what the SES emulator received.
 */
import { MjmlIssueRenderer } from '../../../functions/adapters/mjml/mjml-renderer.js';
import { buildDeliveryDeps, parseConfig } from '../../../functions/config.js';
import {
  createArticleIssue,
  type IssueReport,
  sendIssueNow,
} from '../../../functions/core/issues/manage-issues.js';
import type { Subscriber } from '../../../functions/core/subscribers/subscriber.js';
import type { LocalStack } from '../../../local/stack.js';
import { aSubscriber } from '../../support/builders.js';
import { startFaultProxy, type FaultProxy } from '../../support/fault-proxy.js';
import { seedReaders, startTestStack, type StoredEmail } from '../../support/stack.js';

const SLUG = 'nato-western-balkans-stability';
/** Sends in flight per worker in every fault test. */
export const FAULT_LANES = '4';

export type FaultStack = {
  stack: LocalStack;
  /** In front of the SES gateway. */
  ses: FaultProxy;
  /** In front of dynalite. */
  dynamodb: FaultProxy;
  /** The send pipeline, reaching SES and DynamoDB only through the proxies. */
  deps: Awaited<ReturnType<typeof buildDeliveryDeps>>;
  close(): Promise<void>;
};

export async function startFaultStack(seed: number, env: Record<string, string> = {}) {
  // SES's own rate limit out of the way: the proxies inject the faults.
  const stack = await startTestStack({
    LOCAL_SES_MAX_SEND_RATE: '100000',
    SEND_RATE: '5000',
    SEND_WORKERS: '1',
    // Several sends in flight: every fault is judged with lanes racing each other.
    SEND_LANES: FAULT_LANES,
    ...env,
  });
  const ses = await startFaultProxy({ upstream: stack.sesGateway!.url, seed });
  const dynamodb = await startFaultProxy({ upstream: stack.dynamodbEndpoint, seed: seed + 1 });
  // The SDK's standard variables, as on Lambda: every client built from here on goes through them.
  process.env.AWS_ENDPOINT_URL_SES = ses.url;
  process.env.AWS_ENDPOINT_URL_DYNAMODB = dynamodb.url;
  const deps = await buildDeliveryDeps(
    parseConfig(process.env),
    new MjmlIssueRenderer('templates'),
  );
  return {
    stack,
    ses,
    dynamodb,
    deps,
    close: async () => {
      await ses.close();
      await dynamodb.close();
      await stack.close();
    },
  } satisfies FaultStack;
}

/** Confirmed readers of a topic no other test uses, seeded past the proxies. */
export function audience(stack: LocalStack, count: number, topic: string): Promise<Subscriber[]> {
  return seedReaders(stack, count, (i) =>
    aSubscriber({ topics: [topic], email: `${topic}.${i}@example.com` }),
  );
}

export async function startIssue(faults: FaultStack, topic: string, id: string) {
  const issue = await createArticleIssue(faults.deps, { article: SLUG, topics: [topic], id });
  await sendIssueNow(faults.deps, issue.id);
  return issue.id;
}

/** Messages the SES emulator holds, per recipient address. */
export async function received(stack: LocalStack): Promise<Map<string, number>> {
  const response = await fetch(`${stack.sesGateway!.url}/store`);
  const { emails } = (await response.json()) as { emails: StoredEmail[] };
  const counts = new Map<string, number>();
  for (const email of emails)
    for (const to of email.destination.to) {
      const address = /[^\s<>"]+@[^\s<>"]+/.exec(to)?.[0]?.toLowerCase() ?? to;
      counts.set(address, (counts.get(address) ?? 0) + 1);
    }
  return counts;
}

/**
 * The promise, measured against the emulator's inbox. Every figure is 0 when it holds; a failing
 * test prints them all, which is the size of the breach:
 * - `duplicated`: readers who received the issue more than once;
 * - `lost`: readers who received nothing and are not listed ambiguous (silently skipped);
 * - `ambiguousBeyondFaults`: ambiguous readers beyond the faults that could make one (an
 *   ambiguous reader may well have the message: that is what ambiguous means);
 * - `sentReportedMinusReceived`: the report's `sent` less the readers it does not call ambiguous
 *   who actually received the message.
 */
export async function breaches(
  stack: LocalStack,
  readers: Subscriber[],
  report: IssueReport,
  ambiguousAllowed: number,
) {
  const inbox = await received(stack);
  const ambiguous = new Set(report.ambiguous);
  const got = (r: Subscriber) => inbox.get(r.email.toLowerCase()) ?? 0;
  const deliveredClear = readers.filter((r) => got(r) === 1 && !ambiguous.has(r.id)).length;
  return {
    duplicated: readers.filter((r) => got(r) > 1).length,
    lost: readers.filter((r) => got(r) === 0 && !ambiguous.has(r.id)).length,
    ambiguousBeyondFaults: Math.max(0, ambiguous.size - ambiguousAllowed),
    sentReportedMinusReceived: report.counts.sent - deliveredClear,
  };
}

export const NO_BREACH = {
  duplicated: 0,
  lost: 0,
  ambiguousBeyondFaults: 0,
  sentReportedMinusReceived: 0,
};

/** Readers listed ambiguous who received the message exactly once: a false alarm to an editor. */
export async function deliveredOnceButAmbiguous(
  stack: LocalStack,
  readers: Subscriber[],
  report: IssueReport,
) {
  const inbox = await received(stack);
  const ambiguous = new Set(report.ambiguous);
  return readers.filter((r) => ambiguous.has(r.id) && inbox.get(r.email.toLowerCase()) === 1)
    .length;
}

/** Resolves with the promise's value, or with 'timed out' after ms (the test stays bounded). */
export function within<T>(promise: Promise<T>, ms: number): Promise<T | 'timed out'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timed out'>((resolve) => {
    timer = setTimeout(() => resolve('timed out'), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
