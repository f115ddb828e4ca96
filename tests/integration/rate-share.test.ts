/**
 * One pace for the account: workers sending at once divide the bulk rate (SEND_RATE_FRACTION ×
 * MaxSendRate) through the sender registry in DynamoDB, against the local SES gateway with its
 * rate limit on (it answers Throttling above MaxSendRate). Judged from what reached the gateway,
 * timed by a pass-through proxy in front of it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MjmlIssueRenderer } from '../../functions/adapters/mjml/mjml-renderer.js';
import { buildDeliveryDeps, parseConfig } from '../../functions/config.js';
import { runWorker } from '../../functions/core/delivery/worker.js';
import {
  createArticleIssue,
  issueReport,
  sendIssueNow,
} from '../../functions/core/issues/manage-issues.js';
import type { LocalStack } from '../../local/stack.js';
import { aSubscriber } from '../support/builders.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { seedReaders, startTestStack } from '../support/stack.js';

const MAX_SEND_RATE = 20;
const FRACTION = 0.8;
const SHARE = MAX_SEND_RATE * FRACTION; // 16/s for all bulk sends together
let stack: LocalStack;
let ses: FaultProxy;
let deps: Awaited<ReturnType<typeof buildDeliveryDeps>>;

beforeAll(async () => {
  stack = await startTestStack({
    LOCAL_SES_MAX_SEND_RATE: String(MAX_SEND_RATE),
    SEND_RATE_FRACTION: String(FRACTION),
    SEND_LANES: '8',
  });
  ses = await startFaultProxy({ upstream: stack.sesGateway!.url, seed: 7 });
  process.env.AWS_ENDPOINT_URL_SES = ses.url;
  delete process.env.SEND_RATE;
  deps = await buildDeliveryDeps(parseConfig(process.env), new MjmlIssueRenderer('templates'));
});
afterAll(async () => {
  await ses?.close();
  await stack?.close();
});

/** The most sends the gateway took in any sliding one-second window. */
function busiestSecond(times: number[]) {
  let most = 0;
  for (let i = 0, j = 0; j < times.length; j++) {
    while (times[j]! - times[i]! >= 1000) i++;
    most = Math.max(most, j - i + 1);
  }
  return most;
}

const TOPICS = ['security', 'politics', 'economy'];

async function sendWith(workers: number, readers: number) {
  const topic = TOPICS[workers - 1]!;
  await seedReaders(stack, readers, (i) =>
    aSubscriber({ topics: [topic], email: `${topic}.${i}@example.com` }),
  );
  const issue = await createArticleIssue(deps, {
    article: 'nato-western-balkans-stability',
    topics: [topic],
  });
  await sendIssueNow(deps, issue.id);
  const from = ses.requests.length;
  await Promise.all(
    Array.from({ length: workers }, (_, n) =>
      runWorker(deps, { issueId: issue.id, workerId: `${topic}-${n}` }),
    ),
  );
  const sends = ses.requests.slice(from).filter((r) => r.operation === 'SendRawEmail');
  const accepted = sends.filter((r) => r.status === 200).map((r) => r.receivedAt);
  accepted.sort((a, b) => a - b);
  return {
    report: await issueReport(deps, issue.id),
    accepted,
    throttled: sends.filter((r) => r.status === 400).length,
  };
}

describe('workers sharing the account’s rate', () => {
  it(`one worker alone gets at least 0.9 of ${SHARE}/s, and no second holds more than ${MAX_SEND_RATE}`, async () => {
    // 240 readers: 30 a shard, so a shard's start (claim, page read) is a small part of the run.
    const { report, accepted, throttled } = await sendWith(1, 240);
    expect(report.issue.state).toBe('sent');
    const rate = (accepted.length - 1) / ((accepted.at(-1)! - accepted[0]!) / 1000);
    console.log(
      `1 worker: ${rate.toFixed(2)}/s of a ${SHARE}/s share, busiest second ${busiestSecond(accepted)}`,
    );
    expect(busiestSecond(accepted)).toBeLessThanOrEqual(MAX_SEND_RATE);
    expect(throttled).toBe(0);
    expect(rate).toBeGreaterThanOrEqual(0.9 * SHARE);
    expect(rate).toBeLessThanOrEqual(SHARE * 1.02);
  }, 60_000);

  for (const workers of [2, 3])
    it(`${workers} workers share it: no second holds more than ${MAX_SEND_RATE}, and SES never throttles`, async () => {
      const { report, accepted, throttled } = await sendWith(workers, 120);
      expect(report.issue.state).toBe('sent');
      const rate = (accepted.length - 1) / ((accepted.at(-1)! - accepted[0]!) / 1000);
      console.log(
        `${workers} workers: ${rate.toFixed(2)}/s together, busiest second ${busiestSecond(accepted)}`,
      );
      expect(busiestSecond(accepted)).toBeLessThanOrEqual(MAX_SEND_RATE);
      expect(throttled).toBe(0);
      // Divided, not multiplied: together they keep to the one share, in every second too.
      expect(busiestSecond(accepted)).toBeLessThanOrEqual(SHARE);
      expect(rate).toBeLessThanOrEqual(SHARE * 1.02);
    }, 60_000);
});
