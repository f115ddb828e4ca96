/**
 * One contract for both stores of SES events that failed (functions/core/events/dead-letters.ts):
 * the local stack's files and the deployment's SQS queue (the real SDK client, against a loopback
 * SQS). What an operator relies on: a letter reads back as the EventBridge event that failed, in
 * either envelope AWS writes; it stays until deleted; a replay deletes only what it handled.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileDeadLetters } from '../../functions/adapters/files/file-dead-letters.js';
import { SqsDeadLetters } from '../../functions/adapters/sqs/sqs-dead-letters.js';
import {
  invocationRecord,
  replayDeadLetters,
  type DeadLetters,
} from '../../functions/core/events/dead-letters.js';
import { sesBounceEvent } from '../support/lambda-events.js';
import { startSqsEmulator, type SqsEmulator } from '../support/sqs-emulator.js';

let sqs: SqsEmulator;
let dir: string;
let client: SQSClient;
let queues = 0;

beforeAll(async () => {
  sqs = await startSqsEmulator();
  dir = await mkdtemp(join(tmpdir(), 'dispatch-dead-letters-'));
  client = new SQSClient({
    region: 'us-east-1',
    endpoint: sqs.url,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
});
afterAll(async () => {
  client?.destroy();
  await sqs?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const bounce = (recipient = 'gone@example.com') =>
  sesBounceEvent({
    messageId: `0100018c-${crypto.randomUUID()}-000000`,
    recipient,
    configurationSet: 'dispatch-production-EmailConfig',
    from: 'newsletter@news.example.com',
  });

/** Each store, fresh, and how AWS itself would write a raw message body into it. */
const stores: Record<
  string,
  () => { letters: DeadLetters; writeRaw(body: unknown): Promise<void> }
> = {
  files: () => {
    const folder = join(dir, String(queues++));
    return {
      letters: new FileDeadLetters(folder),
      writeRaw: async (body) => {
        await mkdir(folder, { recursive: true });
        await writeFile(
          join(folder, `${Date.now()}-${crypto.randomUUID()}-raw.json`),
          JSON.stringify(body),
        );
      },
    };
  },
  sqs: () => {
    const queueUrl = sqs.queueUrl(`dlq-${queues++}`);
    return {
      letters: new SqsDeadLetters(queueUrl, client),
      writeRaw: async (body) => {
        await client.send(
          new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(body) }),
        );
      },
    };
  },
};

describe.each(Object.keys(stores))('dead letters in %s', (kind) => {
  it('a letter put reads back as the event that failed, with the reason, until it is deleted', async () => {
    const { letters } = stores[kind]!();
    const event = bounce();
    await letters.put(event, 'DynamoDB refused: InternalServerError', new Date());
    expect(await letters.count()).toBe(1);
    const [letter, ...rest] = await letters.list();
    expect(rest).toEqual([]);
    expect(letter!.event).toEqual(event);
    expect(letter!.reason).toContain('DynamoDB refused: InternalServerError');
    await letters.delete(letter!);
    expect(await letters.count()).toBe(0);
  });

  it("reads both envelopes AWS writes: Lambda's on-failure record and the rule target's bare event", async () => {
    const { letters, writeRaw } = stores[kind]!();
    const failed = bounce('failed@example.com');
    const undelivered = bounce('undelivered@example.com');
    await writeRaw(invocationRecord(failed, new TypeError('boom'), new Date()));
    await writeRaw(undelivered);
    const listed = await letters.list();
    expect(listed.map((l) => l.event).sort((a, b) => a.id.localeCompare(b.id))).toEqual(
      [failed, undelivered].sort((a, b) => a.id.localeCompare(b.id)),
    );
    expect(listed.find((l) => l.event.id === failed.id)!.reason).toBe('TypeError: boom');
  });

  it('a replay deletes each letter it handled and keeps the one that failed again', async () => {
    const { letters } = stores[kind]!();
    const good = bounce('good@example.com');
    const bad = bounce('bad@example.com');
    await letters.put(good, 'first try failed', new Date());
    await letters.put(bad, 'first try failed', new Date());
    const handled: string[] = [];
    const report = await replayDeadLetters(letters, async (event) => {
      if (event.id === bad.id) throw new Error('still failing');
      handled.push(event.id);
      return { duplicate: false, suppressed: ['good@example.com'] };
    });
    expect(handled).toEqual([good.id]);
    expect(report.replayed.map((r) => r.eventId)).toEqual([good.id]);
    expect(report.failed).toEqual([
      expect.objectContaining({ eventId: bad.id, reason: 'still failing' }),
    ]);
    expect(await letters.count()).toBe(1);
  });
});
