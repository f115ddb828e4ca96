import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import {
  BatchWriteCommand,
  DeleteCommand,
  PutCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { createDocumentClient, ensureTable } from '../../functions/adapters/dynamo/client.js';
import { DynamoIssueRepository } from '../../functions/adapters/dynamo/dynamo-issues.js';
import { DynamoDeliveryLedger } from '../../functions/adapters/dynamo/dynamo-ledger.js';
import { DynamoSubscriberRepository } from '../../functions/adapters/dynamo/dynamo-subscribers.js';
import { runWorker } from '../../functions/core/delivery/worker.js';
import { ambiguousReaders, resolveAmbiguous } from '../../functions/core/issues/ambiguous.js';
import { shardsOf, type Issue } from '../../functions/core/issues/issue.js';
import {
  createArticleIssue,
  issueReport,
  sendIssueNow,
} from '../../functions/core/issues/manage-issues.js';
import type { Subscriber } from '../../functions/core/subscribers/subscriber.js';
import type { Running } from '../../local/emulators.js';
import { aSubscriber, anArticle, memoryDeliveryDeps } from '../support/builders.js';
import { startInMemoryDynalite, useLocalAws } from '../support/emulators.js';

/** DynamoDB's write capacity per partition, and the send rate the spread is judged at. */
const PARTITION_WCU = 1_000;
const MODELLED_RATE = 500;
/** What a partition may take at that rate: a tenth of its capacity, room for retries and other sends. */
const BOUND_PER_SECOND = PARTITION_WCU / 10;

type Write = { partition: string; wcu: number };

/** Every write the client makes, as the partitions (table and index) it lands in and its units. */
function recordWrites(client: DynamoDBDocumentClient, writes: Write[]) {
  const send = client.send.bind(client) as (command: unknown) => Promise<unknown>;
  const item = (body: Record<string, unknown>) => {
    const wcu = Math.max(1, Math.ceil(JSON.stringify(body).length / 1024));
    writes.push({ partition: String(body.PK), wcu });
    if (typeof body.GSI1PK === 'string') writes.push({ partition: `GSI1 ${body.GSI1PK}`, wcu });
  };
  (client as { send: unknown }).send = (command: unknown) => {
    if (command instanceof PutCommand) item(command.input.Item!);
    if (command instanceof UpdateCommand || command instanceof DeleteCommand)
      item(command.input.Key!);
    if (command instanceof BatchWriteCommand)
      for (const requests of Object.values(command.input.RequestItems!))
        for (const r of requests) if (r.PutRequest) item(r.PutRequest.Item!);
    return send(command);
  };
}

/**
 * dynalite cannot throttle, so the spread is what is measured: the partition each write of a real
 * send lands in, laid over time as if the send ran at 500 recipients a second, in the order the
 * worker wrote them.
 */
describe('a send’s writes, per DynamoDB partition', () => {
  let running: Running;
  let client: DynamoDBDocumentClient;
  let deps: Omit<ReturnType<typeof memoryDeliveryDeps>, 'subscribers' | 'issues' | 'ledger'> & {
    subscribers: DynamoSubscriberRepository;
    issues: DynamoIssueRepository;
    ledger: DynamoDeliveryLedger;
  };
  const table = `spread-${randomUUID()}`;
  const writes: Write[] = [];

  beforeAll(async () => {
    running = await startInMemoryDynalite();
    useLocalAws({ dynamodb: running.url });
    client = createDocumentClient();
    await ensureTable(client, table);
    recordWrites(client, writes);
    const base = memoryDeliveryDeps([anArticle(), anArticle({ slug: 'before-the-split' })]);
    deps = {
      ...base,
      pacing: { ...base.pacing, lanes: 4 },
      subscribers: new DynamoSubscriberRepository(client, table),
      issues: new DynamoIssueRepository(client, table),
      ledger: new DynamoDeliveryLedger(client, table),
    };
  });
  afterAll(async () => running?.close());

  async function seed(count: number, topic: string) {
    const readers = Array.from({ length: count }, (_, i) =>
      aSubscriber({ topics: [topic], email: `${topic}.${i}@example.com` }),
    );
    for (let i = 0; i < readers.length; i += 100)
      await Promise.all(readers.slice(i, i + 100).map((r) => deps.subscribers.create(r)));
    return readers;
  }

  it('keeps every partition a 500/s send writes (ledger, index, counters, progress) under a tenth of its 1,000 WCU/s', async () => {
    const readers = await seed(2_000, 'economy');
    const issue = await createArticleIssue(deps, { article: 'test-article', topics: ['economy'] });
    await sendIssueNow(deps, issue.id);
    writes.length = 0;
    await runWorker(deps, { issueId: issue.id });
    const sendWrites = writes.splice(0);
    // SES's events for what went out: a delivery each, an open from one reader in four.
    for (let i = 0; i < readers.length; i += 50)
      await Promise.all(
        readers.slice(i, i + 50).map((_, j) =>
          deps.issues.addEngagement(issue.id, {
            delivered: 1,
            opened: (i + j) % 4 === 0 ? 1 : 0,
          }),
        ),
      );

    const eventWrites = writes.splice(0);
    const report = await issueReport(deps, issue.id);
    expect(report.counts.sent).toBe(readers.length);
    expect(report.engagement.delivered).toBe(readers.length);
    expect(shardsOf(report.issue)).toBe(32);
    const ledgerWrites = sendWrites.filter((w) => w.partition.startsWith('DELIVERY#'));
    expect(ledgerWrites.length).toBeGreaterThanOrEqual(2 * readers.length); // a claim and a mark each

    const seconds = readers.length / MODELLED_RATE;
    // The send's writes in the order made, and SES's events over the same seconds (a delivery
    // follows each send within the second or so; opens come later, counted here as if at once).
    const perSecond = new Map<string, number>();
    for (const stream of [sendWrites, eventWrites])
      stream.forEach((w, i) => {
        const at = `${w.partition} @${Math.floor((i / stream.length) * seconds)}`;
        perSecond.set(at, (perSecond.get(at) ?? 0) + w.wcu);
      });
    const [hottest, wcu] = [...perSecond].sort((a, b) => b[1] - a[1])[0]!;
    expect(wcu, `the hottest partition-second, ${hottest}`).toBeLessThanOrEqual(BOUND_PER_SECOND);
    expect(new Set(ledgerWrites.map((w) => w.partition)).size).toBe(32);
  }, 120_000);

  it('sends and reviews an issue started before the split: its 8 shards, its ledger entries where they were', async () => {
    const readers = await seed(60, 'politics');
    const created = await createArticleIssue(deps, {
      article: 'before-the-split',
      topics: ['politics'],
    });
    const { shards: _, ...fields } = await sendIssueNow(deps, created.id).then((r) => r.issue);
    const issue: Issue = { ...fields, version: fields.version + 1 };
    expect(await deps.issues.save(issue)).toBe(true);
    // What the old worker left under the one partition: ten sent, one claim it died holding.
    const old = (r: Subscriber, entry: Record<string, unknown>) =>
      client.send(
        new PutCommand({
          TableName: table,
          Item: {
            PK: `DELIVERY#${issue.deliveryKey}`,
            SK: `RECIPIENT#${r.id}`,
            entity: 'ledger',
            deliveryKey: issue.deliveryKey,
            subscriberId: r.id,
            issueId: issue.id,
            claimedAt: '2026-11-28T08:00:00.000Z',
            ...entry,
          },
        }),
      );
    const [dying, ...rest] = readers;
    const sentBefore = rest.slice(0, 10);
    for (const r of sentBefore)
      await old(r, { status: 'sent', messageId: `old-${r.id}`, sentAt: '2026-11-28T08:00:01Z' });
    await old(dying!, { status: 'claimed', attempt: 'old-attempt' });

    await runWorker(deps, { issueId: issue.id });
    const mailed = (r: Subscriber) => deps.mailer.sent.filter((m) => m.to === r.email).length;
    expect(sentBefore.map(mailed)).toEqual(sentBefore.map(() => 0));
    expect(rest.slice(10).every((r) => mailed(r) === 1)).toBe(true);
    expect(mailed(dying!)).toBe(0);
    expect((await deps.issues.shards(issue.id)).length).toBe(8);
    const review = await ambiguousReaders(deps, issue.id);
    expect(review.readers).toEqual([
      expect.objectContaining({ subscriberId: dying!.id, claimedAt: '2026-11-28T08:00:00.000Z' }),
    ]);

    await resolveAmbiguous(deps, issue.id, dying!.id, 'release', 'not in the SES logs', 'editor');
    await runWorker(deps, { issueId: issue.id });
    expect(mailed(dying!)).toBe(1);
    expect(await deps.ledger.entry(issue.deliveryKey, sentBefore[0]!.id)).toMatchObject({
      status: 'sent',
      messageId: `old-${sentBefore[0]!.id}`,
    });
    expect((await issueReport(deps, issue.id)).issue.state).toBe('sent');
  }, 60_000);
});
