/**
 * "Send now" at two list sizes (quick: 1,000 and 50,000 readers; full: 1,000 and 1,000,000) on the
 * bench sidecar's dynalite: the transition an editor's click makes (`sendNow`), timed over a few
 * issues each. It reads the counters, not the audience, so it should take the same time at both
 * sizes. The baseline is what the click did before: count the audience, every shard, in the
 * request (measured where it fits the run: up to 100,000 readers).
 */
import { BatchWriteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient, ensureTable } from '../../functions/adapters/dynamo/client.js';
import { DynamoIssueRepository } from '../../functions/adapters/dynamo/dynamo-issues.js';
import {
  DynamoSubscriberRepository,
  toItem,
} from '../../functions/adapters/dynamo/dynamo-subscribers.js';
import { systemClock } from '../../functions/core/clock.js';
import type { Issue } from '../../functions/core/issues/issue.js';
import { transitionIssue } from '../../functions/core/issues/manage-issues.js';
import { RECIPIENT_SHARDS, SEND_SHARDS } from '../../functions/core/subscribers/subscriber.js';
import { aSubscriber } from '../support/builders.js';
import type { Report } from './report.js';

const CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
const TOPIC = 'security';
const SENDS = 15;

type Options = {
  quick: boolean;
  startSidecar: () => Promise<{ dynamodb: string; close(): Promise<void> }>;
  report: Report;
};

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function benchSendNow({ quick, startSidecar, report }: Options) {
  const sizes = [1_000, quick ? 50_000 : 1_000_000];
  const runs: { readers: number; sendNowMs: number; countMs?: number; seedSeconds: number }[] = [];
  for (const readers of sizes) {
    const sidecar = await startSidecar();
    try {
      runs.push(await sendNowAt(sidecar.dynamodb, readers));
    } finally {
      await sidecar.close();
    }
  }
  const [small, large] = runs as [(typeof runs)[0], (typeof runs)[0]];
  const ratio = large.sendNowMs / small.sendNowMs;
  for (const run of runs)
    console.log(
      `${'sendnow'.padEnd(14)}${run.readers} readers (seeded in ${run.seedSeconds.toFixed(1)} s): "Send now" ${run.sendNowMs.toFixed(1)} ms (median of ${SENDS}); counting the audience in the request, as before: ${run.countMs === undefined ? 'not measured' : `${run.countMs.toFixed(0)} ms`}`,
    );
  report(
    {
      bench: 'sendnow',
      metric: `"Send now" at ${large.readers} vs ${small.readers} readers`,
      value: large.sendNowMs,
      unit: 'ms',
      baseline: small.sendNowMs,
      baselineUnit: `ms at ${small.readers} readers`,
      ratio,
      target: '≤1.5× the time at 1,000 readers, under 1 s',
      pass: ratio <= 1.5 && large.sendNowMs < 1000,
      details: { runs },
    },
    `${large.readers} readers ${large.sendNowMs.toFixed(1)} ms vs ${small.readers} readers ${small.sendNowMs.toFixed(1)} ms  ratio ${ratio.toFixed(2)}${large.countMs === undefined ? '' : `; the old in-request count took ${large.countMs.toFixed(0)} ms at ${large.readers}`}`,
  );
}

async function sendNowAt(dynamodb: string, readers: number) {
  const client = createDocumentClient({
    endpoint: dynamodb,
    region: 'us-east-1',
    credentials: CREDENTIALS,
  });
  const table = `dispatch-bench-sendnow-${readers}`;
  try {
    await ensureTable(client, table);
    const t = performance.now();
    await seed(client, table, readers);
    const seedSeconds = (performance.now() - t) / 1000;
    const deps = {
      issues: new DynamoIssueRepository(client, table),
      subscribers: new DynamoSubscriberRepository(client, table),
      clock: systemClock,
    };
    // The sidecar has just stored every reader: let its collector finish before timing clicks.
    await new Promise((r) => setTimeout(r, 3_000));
    const times: number[] = [];
    // One unmeasured first: the connection and the SDK's first-call work are not the click's.
    for (let i = 0; i <= SENDS; i++) {
      const id = await draft(deps.issues, `sendnow-${readers}-${i}`);
      const start = performance.now();
      await transitionIssue(deps, id, 'sendNow');
      if (i > 0) times.push(performance.now() - start);
    }
    let countMs: number | undefined;
    if (readers <= 100_000) {
      const start = performance.now();
      for (let shard = 0; shard < RECIPIENT_SHARDS; shard++)
        await deps.subscribers.countRecipients({ shard, topics: [TOPIC], frequencies: ['weekly'] });
      countMs = performance.now() - start;
    }
    return { readers, sendNowMs: median(times), countMs, seedSeconds };
  } finally {
    client.destroy();
  }
}

async function draft(issues: DynamoIssueRepository, id: string) {
  const now = new Date().toISOString();
  const issue: Issue = {
    id,
    content: { kind: 'article', slug: 'nato-western-balkans-stability' },
    subject: 'Bench',
    audience: { topics: [TOPIC], frequencies: ['weekly'] },
    state: 'draft',
    deliveryKey: `article:${id}`,
    shards: SEND_SHARDS,
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
  await issues.create(issue);
  return id;
}

/**
 * Readers as the repository stores them (`toItem`), 25 per BatchWriteItem, 16 calls at once, and
 * the dashboard counters as their creates would have left them.
 */
async function seed(client: ReturnType<typeof createDocumentClient>, table: string, count: number) {
  let next = 0;
  const item = (i: number) =>
    toItem(
      aSubscriber({ topics: [TOPIC], frequency: 'weekly', email: `sendnow.${i}@example.com` }),
    );
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < count) {
        const start = next;
        next = Math.min(count, next + 25);
        let requests = Array.from({ length: next - start }, (_, k) => ({
          PutRequest: { Item: item(start + k) },
        }));
        while (requests.length) {
          const { UnprocessedItems } = await client.send(
            new BatchWriteCommand({ RequestItems: { [table]: requests } }),
          );
          requests = (UnprocessedItems?.[table] ?? []) as typeof requests;
        }
      }
    }),
  );
  await client.send(
    new PutCommand({
      TableName: table,
      Item: {
        PK: 'STATS',
        SK: 'SUBSCRIBERS',
        'state:confirmed': count,
        [`topic:${TOPIC}`]: count,
        'frequency:weekly': count,
      },
    }),
  );
}
