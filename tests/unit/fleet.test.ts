import { describe, expect, it } from 'vitest';
import { runTick } from '../../functions/core/delivery/tick.js';
import {
  fanOut,
  workShard,
  workShardMessages,
  type ShardWork,
} from '../../functions/core/delivery/fleet.js';
import { SHARD_LEASE_MS } from '../../functions/core/delivery/worker.js';
import {
  findOrCreateEditorSend,
  pauseIssue,
  sendIssueNow,
} from '../../functions/core/issues/manage-issues.js';
import { SEND_SHARDS, sendShardOf } from '../../functions/core/subscribers/subscriber.js';
import { aSubscriber, memoryDeliveryDeps } from '../support/builders.js';
import { MemoryShardQueue } from '../support/fakes/memory-shard-queue.js';

async function startedIssue(count = 80) {
  const shardQueue = new MemoryShardQueue();
  const deps = { ...memoryDeliveryDeps(), shardQueue };
  const readers = Array.from({ length: count }, () => aSubscriber());
  for (const r of readers) await deps.subscribers.create(r);
  const issue = await findOrCreateEditorSend(deps, 'test-article');
  await sendIssueNow(deps, issue.id);
  return { deps, readers, issueId: issue.id, shardQueue };
}

const everyShard = (issueId: string): ShardWork[] =>
  Array.from({ length: SEND_SHARDS }, (_, shard) => ({ issueId, shard }));
const message = (work: ShardWork, messageId = `m-${work.shard}`) => ({
  messageId,
  body: JSON.stringify(work),
});

describe('the fleet', () => {
  it('the tick queues every shard of a started issue, once per tick, and none of an issue not sending', async () => {
    const { deps, issueId, shardQueue } = await startedIssue();
    // No time left to send itself: what the tick queues is all it does.
    const tick = await runTick(deps, { deadline: deps.clock.now().getTime() });
    expect(tick.fleet).toEqual({ queued: SEND_SHARDS });
    expect(shardQueue.take()).toEqual(everyShard(issueId));
    expect(deps.mailer.sent).toHaveLength(0);

    await pauseIssue(deps, issueId, 'editor');
    expect((await runTick(deps, { deadline: deps.clock.now().getTime() })).fleet).toEqual({
      queued: 0,
    });
  });

  it('queues only the shards nobody works: not a done one, not one under a live lease, again once that lease lapses', async () => {
    const { deps, readers, issueId, shardQueue } = await startedIssue();
    const [first, held] = [
      sendShardOf(readers[0]!.id, SEND_SHARDS),
      (sendShardOf(readers[0]!.id, SEND_SHARDS) + 1) % SEND_SHARDS,
    ];
    const now = deps.clock.now();
    await deps.issues.claimShard(
      issueId,
      held,
      'another-sender',
      now,
      new Date(now.getTime() + SHARD_LEASE_MS),
    );
    // The message's shard, then every other free one: all done but the one someone holds.
    await workShard(deps, { issueId, shard: first });
    shardQueue.take();
    await fanOut(deps, [issueId]);
    expect(shardQueue.take()).toEqual([]);

    deps.clock.advance(SHARD_LEASE_MS + 1);
    await fanOut(deps, [issueId]);
    expect(shardQueue.take()).toEqual([{ issueId, shard: held }]);
  });

  it('a message works its own shard first, then every free one; duplicates after it send nothing', async () => {
    const { deps, readers, issueId } = await startedIssue();
    // A shard with readers in it (32 shards, a dozen readers: most are empty).
    const first = { issueId, shard: sendShardOf(readers[0]!.id, SEND_SHARDS) };
    const { outcome } = await workShard(deps, first);
    expect(outcome).toBe('settled');
    const ofShard = readers
      .filter((r) => sendShardOf(r.id, SEND_SHARDS) === first.shard)
      .map((r) => r.email);
    expect(ofShard.length).toBeGreaterThan(0);
    const sentFirst = deps.mailer.sent.slice(0, ofShard.length).map((m) => m.to);
    expect(sentFirst.sort()).toEqual(ofShard.sort());
    // One sender carried the whole (small) issue, in one join of the account's pace.
    expect((await deps.issues.get(issueId))?.state).toBe('sent');
    expect(deps.mailer.sent).toHaveLength(readers.length);

    const report = await workShardMessages(
      deps,
      everyShard(issueId).map((w) => message(w)),
      Number.POSITIVE_INFINITY,
    );
    expect(report.failed).toEqual([]);
    expect(new Set(deps.mailer.sent.map((m) => m.to)).size).toBe(readers.length);
    expect(deps.mailer.sent).toHaveLength(readers.length);
  });

  it('a duplicate for a shard another sender holds returns at once, sending nothing, and is not retried', async () => {
    const { deps, issueId } = await startedIssue();
    const now = deps.clock.now();
    // Every shard is someone else's (a fleet busy on this issue).
    for (let shard = 0; shard < SEND_SHARDS; shard++)
      await deps.issues.claimShard(
        issueId,
        shard,
        'another-sender',
        now,
        new Date(now.getTime() + SHARD_LEASE_MS),
      );
    const report = await workShardMessages(
      deps,
      [message({ issueId, shard: 2 })],
      Number.POSITIVE_INFINITY,
    );
    expect(report.failed).toEqual([]);
    expect(report.summary.shards).toMatchObject([{ shard: 2, outcome: 'held', sent: 0 }]);
    expect(deps.mailer.sent).toHaveLength(0);
  });

  it('without a queue to put it back on, a shard left at the deadline is named for SQS to hand out again; a malformed body is dropped', async () => {
    const { deps, issueId } = await startedIssue();
    const alone = { ...deps, shardQueue: undefined };
    const report = await workShardMessages(
      alone,
      [message({ issueId, shard: 0 }), { messageId: 'junk', body: 'not shard work' }],
      deps.clock.now().getTime(), // already past: the sender must stop before its first claim
    );
    expect(report.failed).toEqual(['m-0']);
    expect(report.summary.malformed).toEqual(['junk']);
  });

  it('a sender whose store fails names its message for redelivery', async () => {
    const { deps, issueId } = await startedIssue();
    deps.issues.claimShard = async () => {
      throw new Error('DynamoDB is down');
    };
    const report = await workShardMessages(
      deps,
      [message({ issueId, shard: 1 })],
      Number.POSITIVE_INFINITY,
    );
    expect(report.failed).toEqual(['m-1']);
    expect(report.summary.errors[0]?.error).toMatch(/DynamoDB is down/);
  });
});
