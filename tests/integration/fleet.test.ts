/**
 * The sender fleet end to end, on the local stack's DynamoDB and SES gateway: the real `sender`
 * handler, invoked with SQS's event shape by several senders at once (local/sender-fleet.ts does
 * what SQS and the event source do on AWS), the real tick handler queuing the work. What an
 * operator relies on: an issue is split over the shards and sent by several senders, each
 * recipient exactly once; a duplicate or redelivered message changes nothing; a sender that
 * times out or is killed mid-shard leaves the shard to the next message.
 */
import { spawn } from 'node:child_process';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InProcessShardQueue } from '../../functions/adapters/queue/in-process-shard-queue.js';
import { MjmlIssueRenderer } from '../../functions/adapters/mjml/mjml-renderer.js';
import { buildAdminDeps, buildDeliveryDeps, parseConfig } from '../../functions/config.js';
import { createApiKey } from '../../functions/core/access/api-keys.js';
import { createAdminApp } from '../../functions/http/admin/admin-app.js';
import { adminApi } from '../support/admin-api.js';
import { openShards, type ShardWork } from '../../functions/core/delivery/fleet.js';
import { DEADLINE_MARGIN_MS } from '../../functions/core/delivery/worker.js';
import {
  createArticleIssue,
  issueReport,
  sendIssueNow,
} from '../../functions/core/issues/manage-issues.js';
import {
  SEND_SHARDS,
  sendShardOf,
  type Subscriber,
} from '../../functions/core/subscribers/subscriber.js';
import { lambdaContext } from '../../local/lambda-context.js';
import { startSenderFleet, sqsEvent, type SenderFleet } from '../../local/sender-fleet.js';
import { startSesGateway, type SesGateway } from '../../local/ses-gateway.js';
import type { LocalStack } from '../../local/stack.js';
import { aSubscriber } from '../support/builders.js';
import { quietLogger } from '../support/logger.js';
import { seedReaders, startTestStack, waitFor } from '../support/stack.js';

const SLUG = 'nato-western-balkans-stability';
let stack: LocalStack;
/** SES answering each send 60 ms later, so a shard takes long enough to be cut short. */
let slowSes: SesGateway;
let fleet: SenderFleet;
/** Sends each sender keeps in flight: a kill leaves at most this many readers unsure. */
const LANES = 4;
type Sender = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;
let sender: Sender;

beforeAll(async () => {
  stack = await startTestStack({
    LOCAL_SES_MAX_SEND_RATE: '100000',
    SEND_RATE: '4000',
    SEND_WORKERS: '4',
    SEND_LANES: String(LANES),
    SEND_LEASE_SECONDS: '2',
  });
  slowSes = await startSesGateway({ port: 0, maxSendRate: 100_000, latencyMs: 60 });
  fleet = await startSenderFleet({
    size: 4,
    budgetMs: 60_000,
    logger: quietLogger(),
    url: 'in-process://fleet-test',
  });
  process.env.SHARD_QUEUE_URL = fleet.url;
  ({ handler: sender } = (await import('../../functions/handlers/sender.js')) as {
    handler: Sender;
  });
  // The baseline, before any reader: the content's articles published and this period's digests
  // started, to nobody, so the ticks below start no issue of their own.
  await tickQueuing();
  await fleet.settled();
});
afterAll(async () => {
  await fleet?.stop();
  delete process.env.SHARD_QUEUE_URL;
  await slowSes?.close();
  await stack?.close();
});

const deliveryDeps = () =>
  buildDeliveryDeps(parseConfig(process.env), new MjmlIssueRenderer('templates'));

async function startedIssue(topic: string, count: number) {
  const readers = await seedReaders(stack, count, (i) =>
    aSubscriber({ topics: [topic], email: `fleet.${topic}.${i}@example.com` }),
  );
  const deps = await deliveryDeps();
  const issue = await createArticleIssue(deps, { article: SLUG, topics: [topic] });
  await sendIssueNow(deps, issue.id);
  return { readers, deps, issueId: issue.id };
}

/** The real tick handler with no time left to send itself: what it queues is all it does here. */
async function tickQueuing() {
  const { handler } = await import('../../functions/handlers/tick.js');
  return handler(
    {
      version: '0',
      id: crypto.randomUUID(),
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: '000000000000',
      time: new Date().toISOString(),
      region: 'us-east-1',
      resources: [],
      detail: {},
    },
    lambdaContext('tick', 0),
  );
}

/** A queue no sender takes from, to hand its messages to the handler by hand. */
function manualQueue(url: string) {
  const queue = new InProcessShardQueue();
  InProcessShardQueue.byUrl.set(url, queue);
  return queue;
}

const shardOf = (readers: Subscriber[], shard: number) =>
  readers.filter((r) => sendShardOf(r.id, SEND_SHARDS) === shard);

describe('the sender fleet', () => {
  it('sends an issue of 300 recipients over every shard with 4 concurrent senders, each recipient exactly once, duplicates harmless', async () => {
    const { readers, deps, issueId } = await startedIssue('economy', 300);
    const ticked = await tickQueuing();
    // The tick queued every shard of the started issue, and sent nothing itself (no time).
    expect(ticked.fleet).toEqual({ queued: SEND_SHARDS });
    expect(ticked.worker.sent).toBe(0);
    // Every message again, as SQS may deliver it twice, and again later.
    const every: ShardWork[] = Array.from({ length: SEND_SHARDS }, (_, shard) => ({
      issueId,
      shard,
    }));
    await fleet.queue.enqueue(every);
    await fleet.settled();
    await fleet.queue.enqueue(every);
    await fleet.settled();

    const report = await issueReport(deps, issueId);
    expect(report.issue.state).toBe('sent');
    expect(report.counts.sent).toBe(readers.length);
    const accepted = stack.sesGateway!.accepted;
    expect(readers.filter((r) => accepted.get(r.email) !== 1)).toEqual([]);
    // Several senders shared the issue: the shards were finished by different invocations.
    const owners = new Set((await deps.issues.shards(issueId)).map((s) => s.leaseOwner));
    expect(owners.size).toBeGreaterThan(1);
    expect(fleet.queue.deadLetters).toEqual([]);
  }, 120_000);

  it('a sender that times out mid-shard gives the shard back and queues it again; the next message finishes it', async () => {
    process.env.AWS_ENDPOINT_URL_SES = slowSes.url;
    process.env.SHARD_QUEUE_URL = 'in-process://timeout-test';
    const queue = manualQueue(process.env.SHARD_QUEUE_URL);
    try {
      const { readers, deps, issueId } = await startedIssue('politics', 1920);
      const shard = 0;
      const ours = shardOf(readers, shard);
      expect(ours.length).toBeGreaterThan(15);
      // Every other shard is another sender's, so the senders here meet only this one.
      const now = new Date();
      for (let other = 1; other < SEND_SHARDS; other++)
        await deps.issues.claimShard(issueId, other, 'elsewhere', now, new Date(+now + 600_000));
      // 600 ms of sending before the deadline's margin: a few of the shard's readers at 60 ms each.
      const first = await sender(
        sqsEvent({ messageId: 'm-1', body: JSON.stringify({ issueId, shard }), receiveCount: 1 }),
        lambdaContext('sender', DEADLINE_MARGIN_MS + 600),
      );
      expect(first.batchItemFailures).toEqual([]);
      const sentFirst = ours.filter((r) => slowSes.accepted.has(r.email)).length;
      expect(sentFirst).toBeGreaterThan(0);
      expect(sentFirst).toBeLessThan(ours.length);
      // Queued again at once, with the lease given back: the next sender need not wait.
      expect(queue.depth).toBe(1);
      const again = await queue.receive(AbortSignal.timeout(1_000));
      expect(JSON.parse(again!.body)).toEqual({ issueId, shard });
      expect(
        (await openShards(deps, (await deps.issues.get(issueId))!)).map((w) => w.shard),
      ).toContain(shard);

      const second = await sender(sqsEvent(again!), lambdaContext('sender', 60_000));
      expect(second.batchItemFailures).toEqual([]);
      expect(ours.filter((r) => slowSes.accepted.get(r.email) !== 1)).toEqual([]);
      const progress = (await deps.issues.shards(issueId)).find((s) => s.shard === shard);
      expect(progress?.done).toBe(true);
      expect(progress?.counts.sent).toBe(ours.length);
      expect(queue.depth).toBe(0);
    } finally {
      process.env.AWS_ENDPOINT_URL_SES = stack.sesEndpoint;
      process.env.SHARD_QUEUE_URL = fleet.url;
    }
  }, 120_000);

  it('a sender killed mid-shard holds it only until its lease lapses; a redelivery meanwhile does nothing, then the tick queues it for the next sender', async () => {
    process.env.AWS_ENDPOINT_URL_SES = slowSes.url;
    process.env.SHARD_QUEUE_URL = 'in-process://kill-test';
    const queue = manualQueue(process.env.SHARD_QUEUE_URL);
    try {
      const { readers, deps, issueId } = await startedIssue('security', 480);
      const shard = 1;
      const ours = shardOf(readers, shard);
      const body = JSON.stringify({ issueId, shard });
      // Every other shard is another sender's, so the senders here meet only this one.
      const now = new Date();
      for (let other = 0; other < SEND_SHARDS; other++)
        if (other !== shard)
          await deps.issues.claimShard(issueId, other, 'elsewhere', now, new Date(+now + 600_000));
      // The sender in a process of its own, so SIGKILL stops it where it stands.
      const child = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          '--input-type=module',
          '-e',
          `const { handler } = await import('./functions/handlers/sender.ts');
           const { sqsEvent } = await import('./local/sender-fleet.ts');
           const { lambdaContext } = await import('./local/lambda-context.ts');
           await handler(sqsEvent(${JSON.stringify({ messageId: 'm-k', body, receiveCount: 1 })}), lambdaContext('sender', 120000));`,
        ],
        {
          // Its lease outlasts the redelivery below, however loaded the machine.
          env: { ...process.env, SHARD_QUEUE_URL: undefined, SEND_LEASE_SECONDS: '6' },
          stdio: ['ignore', 'ignore', 'inherit'],
        },
      );
      const exited = new Promise((resolve) => child.once('exit', resolve));
      await waitFor(
        async () =>
          ours.filter((r) => slowSes.accepted.has(r.email)).length >= 3 ? true : undefined,
        'the killed sender to have sent a few',
        60_000,
      );
      child.kill('SIGKILL');
      await exited;
      // Sends already on the wire when it died still reach SES (one per lane, 60 ms late).
      await new Promise((resolve) => setTimeout(resolve, 500));
      const sentBeforeKill = ours.filter((r) => slowSes.accepted.has(r.email)).length;
      expect(sentBeforeKill).toBeLessThan(ours.length);

      // SQS hands the message out again (or a duplicate comes): the dead sender's lease still holds.
      const redelivered = await sender(
        sqsEvent({ messageId: 'm-k', body, receiveCount: 2 }),
        lambdaContext('sender', 60_000),
      );
      expect(redelivered.batchItemFailures).toEqual([]);
      expect(ours.filter((r) => slowSes.accepted.has(r.email)).length).toBe(sentBeforeKill);
      expect(queue.depth).toBe(0);

      // Once the dead sender's lease (6 s) lapses, the next tick queues the shard again.
      await new Promise((resolve) => setTimeout(resolve, 6_500));
      const ticked = await tickQueuing();
      expect(ticked.fleet.queued).toBeGreaterThanOrEqual(1);
      const messages: ShardWork[] = [];
      while (queue.depth > 0)
        messages.push(JSON.parse((await queue.receive(AbortSignal.timeout(1_000)))!.body));
      expect(messages).toContainEqual({ issueId, shard });
      for (const work of messages)
        await sender(
          sqsEvent({ messageId: crypto.randomUUID(), body: JSON.stringify(work), receiveCount: 1 }),
          lambdaContext('sender', 60_000),
        );

      const progress = (await deps.issues.shards(issueId)).find((s) => s.shard === shard);
      expect(progress?.done).toBe(true);
      // Nobody twice; whoever the kill left unsure of is listed, never resent.
      expect(ours.filter((r) => (slowSes.accepted.get(r.email) ?? 0) > 1)).toEqual([]);
      const ambiguous = new Set(progress?.ambiguous);
      expect(ambiguous.size).toBeLessThanOrEqual(LANES);
      expect(ours.filter((r) => !slowSes.accepted.has(r.email) && !ambiguous.has(r.id))).toEqual(
        [],
      );
    } finally {
      process.env.AWS_ENDPOINT_URL_SES = stack.sesEndpoint;
      process.env.SHARD_QUEUE_URL = fleet.url;
    }
  }, 120_000);
  it('"Send now" from the admin API queues the issue\'s shards at once: the fleet sends it with no tick', async () => {
    // Readers of a topic an earlier test already sent this article to: they are skipped (one
    // article, once per reader), and these 40 are new.
    const readers = await seedReaders(stack, 40, (i) =>
      aSubscriber({ topics: ['security'], email: `fleet.now.${i}@example.com` }),
    );
    // The admin function's dependencies as its handler builds them, with the fleet's queue URL.
    const deps = await buildAdminDeps(
      parseConfig(process.env),
      new MjmlIssueRenderer('templates'),
      quietLogger(),
    );
    const app = createAdminApp(deps, { logger: quietLogger() });
    const { key } = await createApiKey(deps, {
      name: 'Editor',
      email: 'editor@example.org',
      role: 'editor',
    });
    const issue = await createArticleIssue(deps, { article: SLUG, topics: ['security'] });
    const before = fleet.queue.enqueued;

    const answer = await adminApi(() => app)(`/issues/${issue.id}/send`, key, {});
    expect(answer.status).toBe(200);
    // Queued by the request itself, every shard: no tick ran in this test.
    expect(fleet.queue.enqueued - before).toBe(SEND_SHARDS);
    await fleet.settled();
    expect((await issueReport(deps, issue.id)).issue.state).toBe('sent');
    const accepted = stack.sesGateway!.accepted;
    expect(readers.filter((r) => accepted.get(r.email) !== 1)).toEqual([]);
  }, 120_000);
});
