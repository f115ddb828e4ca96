import type { SQSClient } from '@aws-sdk/client-sqs';
import { type ClientSource, clientOf } from '../aws/on-first-use.js';
import type { ShardQueue, ShardWork } from '../../core/delivery/fleet.js';

/** SQS takes at most ten messages a call. */
const BATCH = 10;

/**
 * The fleet's queue on AWS (infra/fleet.ts): one message per shard, consumed by the `sender`
 * function's event source. Standard, not FIFO: order and duplicates do not matter (the shard's
 * lease decides), and FIFO's message groups would cap the fleet's concurrency at the groups.
 * The SQS package is loaded by the first enqueue: most ticks start nothing.
 */
export class SqsShardQueue implements ShardQueue {
  private readonly client: () => Promise<SQSClient>;

  constructor(
    private readonly queueUrl: string,
    client: ClientSource<SQSClient> = async () => {
      const { SQSClient } = await import('@aws-sdk/client-sqs');
      return new SQSClient({});
    },
  ) {
    this.client = clientOf(client);
  }

  async enqueue(work: ShardWork[]) {
    const { SendMessageBatchCommand } = await import('@aws-sdk/client-sqs');
    const client = await this.client();
    for (let i = 0; i < work.length; i += BATCH) {
      const batch = work.slice(i, i + BATCH);
      const { Failed = [] } = await client.send(
        new SendMessageBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: batch.map((w, n) => ({ Id: String(n), MessageBody: JSON.stringify(w) })),
        }),
      );
      // A message not queued is queued by the next tick (the shard stays open): still, say so.
      if (Failed.length > 0)
        throw new Error(
          `SQS refused ${Failed.length} of ${batch.length} shard messages: ${Failed[0]?.Code} ${Failed[0]?.Message ?? ''}`,
        );
    }
  }
}
