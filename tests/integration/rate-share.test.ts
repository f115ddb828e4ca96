/**
 * One pace for the account: workers sending at once divide the bulk rate (SEND_RATE_FRACTION ×
 * MaxSendRate less transactional mail's share) through the sender registry in DynamoDB, and the
 * outbox drains at that share, against the local SES gateway with its rate limit on (it answers
 * Throttling above MaxSendRate). Judged from what reached the gateway: the bulk sends timed by a
 * pass-through proxy in front of it, both kinds together by the gateway's own acceptances.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MjmlIssueRenderer } from '../../functions/adapters/mjml/mjml-renderer.js';
import { buildDeliveryDeps, parseConfig } from '../../functions/config.js';
import { splitRate } from '../../functions/core/delivery/rate-budget.js';
import { runWorker } from '../../functions/core/delivery/worker.js';
import { queuedEntry } from '../../functions/core/outbox/entry.js';
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
// 16/s for the service: 3/s kept for transactional mail (0.2 of it, whole), 13/s for bulk sends.
const SPLIT = splitRate(MAX_SEND_RATE, { rateFraction: FRACTION, workers: 1 });
const SHARE = SPLIT.bulk;
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

/** The most sends the gateway took in any sliding one-second window (times in order). */
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

  it(`a bulk send and a burst of transactional mail at once keep to ${SPLIT.total}/s in every second`, async () => {
    // New readers of a topic sent before: the earlier ones are skipped (sent already), these sent.
    await seedReaders(stack, 130, (i) =>
      aSubscriber({ topics: ['security'], email: `mixed.${i}@example.com` }),
    );
    const issue = await createArticleIssue(deps, {
      article: 'nato-western-balkans-stability',
      topics: ['security'],
    });
    await sendIssueNow(deps, issue.id);
    const from = stack.sesGateway!.acceptances.length;
    const bulk = runWorker(deps, { issueId: issue.id, workerId: 'mixed' });
    // Pending readers whose confirmations are queued: the stack's outbox poller drains them.
    await seedReaders(stack, 30, (i) =>
      aSubscriber({
        email: `burst.${i}@example.com`,
        state: 'pending',
        outbox: queuedEntry('confirmation', new Date()),
      }),
    );
    await bulk;
    await stack.outbox!.settled(60_000);
    const taken = stack.sesGateway!.acceptances.slice(from);
    const timesOf = (kind?: string) =>
      taken.filter((a) => !kind || a.kind === kind).map((a) => a.at);
    const [issues, confirmations] = [timesOf('issue'), timesOf('confirmation')];
    const overlap =
      Math.min(issues.at(-1)!, confirmations.at(-1)!) - Math.max(issues[0]!, confirmations[0]!);
    console.log(
      `bulk ${issues.length}, transactional ${confirmations.length}, ${overlap} ms together, busiest second ${busiestSecond(timesOf())} (bulk ${busiestSecond(issues)}, transactional ${busiestSecond(confirmations)})`,
    );
    expect((await issueReport(deps, issue.id)).counts.sent).toBe(130);
    expect(confirmations).toHaveLength(30);
    // They did send at the same time: most of the burst went out while the issue was sending.
    expect(overlap).toBeGreaterThanOrEqual(5_000);
    // SES's own limit, in every second as the gateway saw them arrive.
    expect(busiestSecond(timesOf())).toBeLessThanOrEqual(MAX_SEND_RATE);
    // The service's rate, less arrival jitter: each of the two pacers spaces its sends as they
    // leave, and one arriving early can put one more of its own in a window (seen: 17 of 16,
    // the transactional pacer's 4 at 3/s).
    expect(busiestSecond(timesOf())).toBeLessThanOrEqual(SPLIT.total + 2);
    // The drain keeps to its share on average (a window may catch one more: arrival jitter).
    const drained =
      (confirmations.length - 1) / ((confirmations.at(-1)! - confirmations[0]!) / 1000);
    expect(drained).toBeLessThanOrEqual(SPLIT.transactional * 1.02);
  }, 90_000);
});
