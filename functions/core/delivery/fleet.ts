/**
 * The sender fleet: an issue's shards handed out as work, one message per shard, to as many
 * senders as the deployment runs at once (SQS and its event source on AWS, an in-process queue
 * locally). A message only says where to look; the shard's lease decides who sends, so a
 * duplicate, a late redelivery or a message for a finished shard changes nothing.
 */
import { PHASE_TWO_SHARDS_FROM, phaseShards } from '../issues/ab-test.js';
import { shardsOf, type Issue, type ShardProgress } from '../issues/issue.js';
import { SEND_SHARDS } from '../subscribers/subscriber.js';
import type { DeliveryDeps } from './deps.js';
import { runWorker, type WorkerResult } from './worker.js';

/** One shard of one issue to send: a queue message's whole body. */
export type ShardWork = { issueId: string; shard: number };

/** Where shard work is queued for the fleet's senders. */
export interface ShardQueue {
  enqueue(work: ShardWork[]): Promise<void>;
}

/** Without a queue (a small install, a test) nothing is fanned out: the tick sends alone. */
export type FleetDeps = DeliveryDeps & { shardQueue?: ShardQueue };

/** What became of one message's shard. */
export type ShardOutcome =
  /** Worked until it was done, or the issue stopped sending (paused, cancelled, finished). */
  | 'settled'
  /** Another sender holds its lease: that sender finishes it, or its lease lapses and the tick re-queues it. */
  | 'held'
  /** Left unfinished at the deadline with its lease given back: queued again for the next sender. */
  | 'requeued'
  /** Unfinished and no queue to put it back on: the caller has the message delivered again. */
  | 'unfinished';

/**
 * The shards of an issue no sender is working: unfinished, never claimed or with a lease that
 * was given back or lapsed. An issue that is not sending has none.
 */
export async function openShards(
  deps: Pick<DeliveryDeps, 'issues' | 'clock'>,
  issue: Issue,
): Promise<ShardWork[]> {
  if (issue.state !== 'sending') return [];
  const now = deps.clock.now().getTime();
  const known = new Map<number, ShardProgress>();
  for (const progress of await deps.issues.shards(issue.id)) known.set(progress.shard, progress);
  const open: ShardWork[] = [];
  for (const shard of phaseShards(issue, shardsOf(issue))) {
    const progress = known.get(shard);
    const leased = progress?.leaseUntil !== undefined && Date.parse(progress.leaseUntil) > now;
    if (!progress?.done && !leased) open.push({ issueId: issue.id, shard });
  }
  return open;
}

export type FanOut = { queued: number; error?: string };

/**
 * Queues the open shards of every sending issue (or of the given ones). Run by whatever starts
 * an issue and by every tick, so a shard whose sender died is queued again once its lease lapses.
 * A queue that fails is reported, not thrown: the caller still sends as a worker of its own.
 */
export async function fanOut(
  deps: Pick<FleetDeps, 'issues' | 'clock' | 'shardQueue'>,
  issueIds?: string[],
): Promise<FanOut> {
  if (!deps.shardQueue) return { queued: 0 };
  try {
    const issues = issueIds
      ? (await Promise.all(issueIds.map((id) => deps.issues.get(id)))).filter(
          (i): i is Issue => i !== undefined,
        )
      : await deps.issues.listByState('sending');
    const work: ShardWork[] = [];
    for (const issue of issues) work.push(...(await openShards(deps, issue)));
    if (work.length > 0) await deps.shardQueue.enqueue(work);
    return { queued: work.length };
  } catch (error) {
    return { queued: 0, error: String(error) };
  }
}

/**
 * One message: works its shard until it is done or the deadline nears. A shard left at the
 * deadline is queued again at once (its lease was given back), rather than waiting out the
 * message's visibility timeout; an error is thrown for the queue to deliver the message again.
 */
export async function workShard(
  deps: FleetDeps,
  work: ShardWork,
  options: { deadline?: number; workerId?: string } = {},
): Promise<{ outcome: ShardOutcome; worker: WorkerResult }> {
  const worker = await runWorker(deps, { ...options, issueId: work.issueId, shard: work.shard });
  const outcome = await outcomeOf(deps, work);
  if (outcome === 'unfinished' && deps.shardQueue) {
    await deps.shardQueue.enqueue([work]);
    return { outcome: 'requeued', worker };
  }
  return { outcome, worker };
}

async function outcomeOf(deps: FleetDeps, work: ShardWork): Promise<ShardOutcome> {
  const issue = await deps.issues.get(work.issueId);
  if (issue?.state !== 'sending') return 'settled';
  const progress = (await deps.issues.shards(issue.id)).find((s) => s.shard === work.shard);
  if (progress?.done) return 'settled';
  const open = await openShards(deps, issue);
  return open.some((w) => w.shard === work.shard) ? 'unfinished' : 'held';
}

/** A message body as work, or undefined when it is not one (dropped: it can never succeed). */
export function parseShardWork(body: string): ShardWork | undefined {
  try {
    const value = JSON.parse(body) as Partial<ShardWork>;
    if (
      typeof value.issueId === 'string' &&
      value.issueId.length > 0 &&
      Number.isInteger(value.shard) &&
      value.shard! >= 0 &&
      // An A/B issue's second phase has shards of its own, after the first's (ab-test.ts).
      value.shard! < PHASE_TWO_SHARDS_FROM + SEND_SHARDS
    )
      return { issueId: value.issueId, shard: value.shard! };
  } catch {
    // not JSON
  }
  return undefined;
}

/** What the sender's event source hands it: SQS records, as much of them as the fleet reads. */
export type ShardMessage = { messageId: string; body: string };

export type FleetReport = {
  /** The messages to hand out again (SQS's batch item failures). */
  failed: string[];
  summary: {
    shards: (ShardWork & { outcome: ShardOutcome; sent: number; stoppedBecause: string })[];
    /** Bodies that are not shard work: dropped, since no retry can make them so. */
    malformed: string[];
    errors: { messageId: string; error: string }[];
  };
};

/**
 * A batch of messages, one after another (the event source sends one at a time; more only make
 * an invocation longer). A message whose work threw is named for redelivery; the rest are done.
 */
export async function workShardMessages(
  deps: FleetDeps,
  messages: ShardMessage[],
  deadline: number,
  workerId?: string,
): Promise<FleetReport> {
  const report: FleetReport = { failed: [], summary: { shards: [], malformed: [], errors: [] } };
  for (const message of messages) {
    const work = parseShardWork(message.body);
    if (!work) {
      report.summary.malformed.push(message.messageId);
      continue;
    }
    try {
      const { outcome, worker } = await workShard(deps, work, { deadline, workerId });
      if (outcome === 'unfinished') report.failed.push(message.messageId);
      report.summary.shards.push({
        ...work,
        outcome,
        sent: worker.sent,
        stoppedBecause: worker.stoppedBecause,
      });
    } catch (error) {
      report.failed.push(message.messageId);
      report.summary.errors.push({ messageId: message.messageId, error: String(error) });
    }
  }
  return report;
}
