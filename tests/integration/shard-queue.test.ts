/**
 * One contract for the fleet's queue of shard work (functions/core/delivery/fleet.ts): the
 * deployment's SQS queue (the real SDK client, against a loopback SQS), the local stack's
 * in-process queue, and the unit tests' fake. What the fleet relies on: every piece of work
 * queued comes out as a message a sender reads back as that work, however many are queued in
 * one call (SQS takes ten a call), and queuing nothing sends nothing.
 */
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InProcessShardQueue } from '../../functions/adapters/queue/in-process-shard-queue.js';
import { SqsShardQueue } from '../../functions/adapters/sqs/sqs-shard-queue.js';
import {
  parseShardWork,
  type ShardQueue,
  type ShardWork,
} from '../../functions/core/delivery/fleet.js';
import { SEND_SHARDS } from '../../functions/core/subscribers/subscriber.js';
import { PHASE_TWO_SHARDS_FROM } from '../../functions/core/issues/ab-test.js';
import { MemoryShardQueue } from '../support/fakes/memory-shard-queue.js';
import { startSqsEmulator, type SqsEmulator } from '../support/sqs-emulator.js';

let sqs: SqsEmulator;
let client: SQSClient;
let queues = 0;

beforeAll(async () => {
  sqs = await startSqsEmulator();
  client = new SQSClient({
    region: 'us-east-1',
    endpoint: sqs.url,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
});
afterAll(async () => {
  client?.destroy();
  await sqs?.close();
});

/** Each queue, fresh, and how a sender takes what is waiting in it (as bodies). */
const kinds: Record<string, () => { queue: ShardQueue; drain(): Promise<string[]> }> = {
  sqs: () => {
    const queueUrl = sqs.queueUrl(`shard-work-${queues++}`);
    return {
      queue: new SqsShardQueue(queueUrl, client),
      drain: async () => {
        const bodies: string[] = [];
        for (;;) {
          const { Messages = [] } = await client.send(
            new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }),
          );
          if (Messages.length === 0) return bodies;
          bodies.push(...Messages.map((m) => m.Body ?? ''));
        }
      },
    };
  },
  'in-process': () => {
    const queue = new InProcessShardQueue();
    return {
      queue,
      drain: async () => {
        const bodies: string[] = [];
        const signal = AbortSignal.timeout(60_000);
        while (queue.depth > 0) bodies.push((await queue.receive(signal))!.body);
        return bodies;
      },
    };
  },
  'memory fake': () => {
    const queue = new MemoryShardQueue();
    return { queue, drain: async () => queue.take().map((w) => JSON.stringify(w)) };
  },
};

const work = (issues: number): ShardWork[] =>
  Array.from({ length: issues * SEND_SHARDS }, (_, i) => ({
    issueId: `issue-${Math.floor(i / SEND_SHARDS)}`,
    shard: i % SEND_SHARDS,
  }));

describe.each(Object.keys(kinds))('the shard queue: %s', (kind) => {
  it('hands out every piece of work queued, as a body a sender reads back, past ten in one call', async () => {
    const { queue, drain } = kinds[kind]!();
    const queued = work(3); // 24 messages: three SQS batches, the last one short
    await queue.enqueue(queued);
    const bodies = await drain();
    expect(bodies.map(parseShardWork).sort(byWork)).toEqual([...queued].sort(byWork));
  });

  it('queues duplicates as they come (the lease, not the queue, keeps a shard to one sender)', async () => {
    const { queue, drain } = kinds[kind]!();
    const one = { issueId: 'issue-dup', shard: 3 };
    await queue.enqueue([one]);
    await queue.enqueue([one]);
    expect((await drain()).map(parseShardWork)).toEqual([one, one]);
  });

  it('sends nothing for no work', async () => {
    const { queue, drain } = kinds[kind]!();
    await queue.enqueue([]);
    expect(await drain()).toEqual([]);
  });
});

describe('a shard message body', () => {
  it('is read back only when it names an issue and a shard that exists', () => {
    expect(parseShardWork('{"issueId":"i","shard":0}')).toEqual({ issueId: 'i', shard: 0 });
    // An A/B issue's second phase sends its own shards, after the first phase's (ab-test.ts).
    expect(parseShardWork(`{"issueId":"i","shard":${PHASE_TWO_SHARDS_FROM}}`)).toEqual({
      issueId: 'i',
      shard: PHASE_TWO_SHARDS_FROM,
    });
    for (const body of [
      'not json',
      '{}',
      '{"issueId":"","shard":0}',
      '{"issueId":"i","shard":-1}',
      `{"issueId":"i","shard":${PHASE_TWO_SHARDS_FROM + SEND_SHARDS}}`,
      '{"issueId":"i","shard":1.5}',
      'null',
    ])
      expect(parseShardWork(body), body).toBeUndefined();
  });
});

const byWork = (a: ShardWork | undefined, b: ShardWork | undefined) =>
  `${a?.issueId}:${a?.shard}`.localeCompare(`${b?.issueId}:${b?.shard}`);
