import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../functions/adapters/dynamo/client.js';
import { MjmlIssueRenderer } from '../../functions/adapters/mjml/mjml-renderer.js';
import { buildDeliveryDeps, parseConfig } from '../../functions/config.js';
import {
  createArticleIssue,
  scheduleIssue,
  sendIssueNow,
} from '../../functions/core/issues/manage-issues.js';
import { SEND_SHARDS, subscriberIdFor } from '../../functions/core/subscribers/subscriber.js';
import { startScheduler } from '../../local/scheduler.js';
import { startLocalStack, type LocalStack } from '../../local/stack.js';
import { aSubscriber, uniqueEmail } from '../support/builders.js';
import { startInMemoryDynalite } from '../support/emulators.js';
import { emailsTo, startTestStack } from '../support/stack.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

const baseEnv = (dataDir: string) => ({
  ...process.env,
  BASE_URL: undefined,
  AWS_ENDPOINT_URL_DYNAMODB: undefined,
  AWS_ENDPOINT_URL_SES: undefined,
  AWS_ENDPOINT_URL_S3: undefined,
  DATA_DIR: dataDir,
  PORT: '0',
  DYNAMODB_PORT: '0',
  SES_PORT: '0',
  S3_PORT: '0',
});

async function subscribeOverHttp(stack: LocalStack, email: string) {
  const response = await fetch(`${stack.appUrl}/api/subscribe`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email }),
  });
  expect(response.status).toBe(202);
}

describe('the local stack', () => {
  it('keeps subscribers across a restart (dynalite persisted under the data folder)', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'dispatch-persist-'));
    const email = uniqueEmail('persist');
    const first = await startLocalStack({ env: baseEnv(dataDir), persist: true });
    await subscribeOverHttp(first, email);
    await first.close();

    const second = await startLocalStack({ env: baseEnv(dataDir), persist: true });
    cleanup.push(second.close);
    expect(await second.deps.subscribers.get(subscriberIdFor(email))).toMatchObject({
      email,
      state: 'pending',
    });
    // The same signing secret survives too, so links mailed before the restart still work.
    expect(second.env.SIGNING_SECRET).toBe(first.env.SIGNING_SECRET);
  });

  it('uses an endpoint already set in the environment instead of starting its own emulator', async () => {
    const external = await startInMemoryDynalite();
    cleanup.push(external.close);
    const dataDir = await mkdtemp(join(tmpdir(), 'dispatch-env-'));
    const stack = await startLocalStack({
      env: { ...baseEnv(dataDir), AWS_ENDPOINT_URL_DYNAMODB: external.url },
    });
    cleanup.push(stack.close);
    expect(stack.dynamodbEndpoint).toBe(external.url);

    const email = uniqueEmail('external');
    await subscribeOverHttp(stack, email);
    const { Item } = await createDocumentClient({ endpoint: external.url }).send(
      new GetCommand({
        TableName: stack.env.TABLE_NAME!,
        Key: { PK: `SUBSCRIBER#${subscriberIdFor(email)}`, SK: 'PROFILE' },
      }),
    );
    expect(Item).toMatchObject({ email, state: 'pending' });
  });

  it('runs the tick schedule through the Lambda handler with an EventBridge event: a due issue goes out', async () => {
    const stack = await startTestStack();
    cleanup.push(stack.close);
    const reader = aSubscriber({ topics: ['security'] });
    await stack.deps.subscribers.create(reader);
    const deps = await buildDeliveryDeps(
      parseConfig(process.env),
      new MjmlIssueRenderer('templates'),
    );
    const issue = await createArticleIssue(deps, { article: 'nato-western-balkans-stability' });
    await scheduleIssue(deps, issue.id, new Date(Date.now() + 1_000));
    await new Promise((r) => setTimeout(r, 1_100));

    const scheduler = startScheduler({ cron: false, budgetMs: 20_000 });
    cleanup.push(scheduler.stop);
    expect(await scheduler.fire('tick')).toMatchObject({
      started: [issue.id],
      worker: { sent: 1 },
    });

    const mails = await emailsTo(stack.sesEndpoint, reader.email);
    expect(mails.map((m) => m.subject)).toEqual([
      'NATO Reaffirms Its Commitment to Stability in the Western Balkans',
    ]);
    expect(await deps.issues.get(issue.id)).toMatchObject({ state: 'sent' });
  });

  it('runs the sender fleet in-process, as npm start does: the tick queues a started issue and the senders send it; closing stops them', async () => {
    const stack = await startTestStack({ SEND_FLEET_SIZE: '3' }, { fleet: true });
    let open = true;
    cleanup.push(async () => {
      if (open) await stack.close();
    });
    expect(process.env.SHARD_QUEUE_URL).toBe(stack.fleet!.url);
    // As deployed: the rate divided between the scheduled functions and every sender.
    expect(process.env.SEND_WORKERS).toBe('6');
    const readers = Array.from({ length: 24 }, () => aSubscriber({ topics: ['economy'] }));
    for (const r of readers) await stack.deps.subscribers.create(r);
    const deps = await buildDeliveryDeps(
      parseConfig(process.env),
      new MjmlIssueRenderer('templates'),
    );
    const issue = await createArticleIssue(deps, {
      article: 'nato-western-balkans-stability',
      topics: ['economy'],
    });
    await sendIssueNow(deps, issue.id);

    // A tick with no time to send: whatever is sent, the fleet sent.
    const scheduler = startScheduler({ cron: false, budgetMs: 0 });
    cleanup.push(scheduler.stop);
    expect(await scheduler.fire('tick')).toMatchObject({
      fleet: { queued: SEND_SHARDS },
      worker: { sent: 0 },
    });
    await stack.fleet!.settled();
    expect(await deps.issues.get(issue.id)).toMatchObject({ state: 'sent' });
    for (const r of readers)
      expect(await emailsTo(stack.sesEndpoint, r.email), r.email).toHaveLength(1);

    await stack.close();
    open = false;
    // The next stack in this process starts without a queue nobody consumes.
    expect(process.env.SHARD_QUEUE_URL).toBeUndefined();
    // 32 shards over 3 senders: each one's first run waits JOIN_MS (4.25 s) to join the pace,
    // its next runs take its registration again and send at once.
  }, 120_000);
});
