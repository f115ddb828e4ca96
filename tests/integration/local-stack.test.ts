import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../functions/adapters/dynamo/client.js';
import { DynamoIssueRepository } from '../../functions/adapters/dynamo/dynamo-issues.js';
import { articleIssueId } from '../../functions/core/delivery/send-article.js';
import { subscriberIdFor } from '../../functions/core/subscribers/subscriber.js';
import { startScheduler } from '../../infra/local/scheduler.js';
import { startLocalStack, type LocalStack } from '../../infra/local/stack.js';
import { aSubscriber, uniqueEmail } from '../support/builders.js';
import { startInMemoryDynalite } from '../support/emulators.js';
import { emailsTo, startTestStack, waitFor } from '../support/stack.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

const baseEnv = (dataDir: string) => ({ ...process.env, BASE_URL: undefined, AWS_ENDPOINT_URL_DYNAMODB: undefined, AWS_ENDPOINT_URL_SES: undefined, DATA_DIR: dataDir, PORT: '0', DYNAMODB_PORT: '0', SES_PORT: '0' });

async function subscribeOverHttp(stack: LocalStack, email: string) {
  const response = await fetch(`${stack.appUrl}/api/subscribe`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email }) });
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
    expect(await second.deps.subscribers.get(subscriberIdFor(email))).toMatchObject({ email, state: 'pending' });
    // The same signing secret survives too, so links mailed before the restart still work.
    expect(second.env.SIGNING_SECRET).toBe(first.env.SIGNING_SECRET);
  });

  it('uses an endpoint already set in the environment instead of starting its own emulator', async () => {
    const external = await startInMemoryDynalite();
    cleanup.push(external.close);
    const dataDir = await mkdtemp(join(tmpdir(), 'dispatch-env-'));
    const stack = await startLocalStack({ env: { ...baseEnv(dataDir), AWS_ENDPOINT_URL_DYNAMODB: external.url } });
    cleanup.push(stack.close);
    expect(stack.dynamodbEndpoint).toBe(external.url);

    const email = uniqueEmail('external');
    await subscribeOverHttp(stack, email);
    const { Item } = await createDocumentClient({ endpoint: external.url }).send(new GetCommand({ TableName: stack.env.TABLE_NAME!, Key: { PK: `SUBSCRIBER#${subscriberIdFor(email)}`, SK: 'PROFILE' } }));
    expect(Item).toMatchObject({ email, state: 'pending' });
  });

  it('runs the tick schedule through the Lambda handler with an EventBridge event, resuming an abandoned send', async () => {
    const stack = await startTestStack();
    cleanup.push(stack.close);
    const reader = aSubscriber({ topics: ['security'] });
    await stack.deps.subscribers.create(reader);
    // A send whose worker died: "sending", with a lease that ran out a minute ago.
    const issues = new DynamoIssueRepository(createDocumentClient(), stack.env.TABLE_NAME!);
    const issueId = articleIssueId('nato-western-balkans-stability');
    const longAgo = new Date(Date.now() - 10 * 60_000);
    await issues.begin(issueId, 'nato-western-balkans-stability', longAgo);
    await issues.acquireLease(issueId, 'dead-worker', longAgo, new Date(Date.now() - 60_000));

    const scheduler = startScheduler({ log: () => {} });
    cleanup.push(async () => scheduler.stop());
    expect(await scheduler.fire('tick')).toEqual({ resumed: 1, busy: 0, missing: 0 });

    const mails = await waitFor(async () => {
      const found = await emailsTo(stack.sesEndpoint, reader.email);
      return found.length ? found : undefined;
    }, 'the resumed article email');
    expect(mails.map((m) => m.subject)).toEqual(['NATO Reaffirms Its Commitment to Stability in the Western Balkans']);
    expect(await issues.get(issueId)).toMatchObject({ state: 'sent' });
  });
});
