import { createHash } from 'node:crypto';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import {
  InProcessShardQueue,
  type QueuedMessage,
} from '../functions/adapters/queue/in-process-shard-queue.js';
import type { Logger } from '../functions/logger.js';
import { lambdaContext } from './lambda-context.js';

type Sender = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

export type SenderFleet = {
  queue: InProcessShardQueue;
  /** The URL the stack's handlers find the queue by (SHARD_QUEUE_URL). */
  url: string;
  /** Stops taking messages and waits for the senders under way, so nothing runs against a closed stack. */
  stop(): Promise<void>;
  /** Resolves once the queue is empty and no sender is working (or the timeout passes). */
  settled(timeoutMs?: number): Promise<void>;
};

/** SQS's event for one message, as the event source mapping hands it to the sender function. */
export function sqsEvent(message: QueuedMessage, region = process.env.AWS_REGION ?? 'us-east-1') {
  const now = String(Date.now());
  return {
    Records: [
      {
        messageId: message.messageId,
        receiptHandle: `local-${message.messageId}-${message.receiveCount}`,
        body: message.body,
        attributes: {
          ApproximateReceiveCount: String(message.receiveCount),
          SentTimestamp: now,
          SenderId: 'local',
          ApproximateFirstReceiveTimestamp: now,
        },
        messageAttributes: {},
        md5OfBody: createHash('md5').update(message.body).digest('hex'),
        eventSource: 'aws:sqs',
        eventSourceARN: `arn:aws:sqs:${region}:000000000000:ShardWork`,
        awsRegion: region,
      },
    ],
  } satisfies SQSEvent;
}

/**
 * What SQS and the sender's event source do on AWS, in-process: `size` senders, each taking one
 * message at a time and invoking the real handler (functions/handlers/sender.ts) with SQS's event
 * and a Lambda context of `budgetMs`. A message the handler names as failed, or whose invocation
 * threw, is handed out again (up to the queue's receive limit, then kept as a dead letter).
 */
export async function startSenderFleet(options: {
  size: number;
  budgetMs: number;
  logger: Logger;
  url?: string;
}): Promise<SenderFleet> {
  const url = options.url ?? 'in-process://shard-work';
  const queue = new InProcessShardQueue();
  InProcessShardQueue.byUrl.set(url, queue);
  let handler: Sender | undefined;
  const load = async () => {
    handler ??= ((await import('../functions/handlers/sender.js')) as { handler: Sender }).handler;
    return handler;
  };
  const stopping = new AbortController();
  let busy = 0;
  const sender = async () => {
    for (;;) {
      const message = await queue.receive(stopping.signal);
      if (!message) return;
      busy++;
      try {
        const send = await load();
        const { batchItemFailures } = await send(
          sqsEvent(message),
          lambdaContext('sender', options.budgetMs),
        );
        if (batchItemFailures.length > 0) queue.failed(message);
      } catch (error) {
        options.logger.error('sender failed', { error });
        queue.failed(message);
      } finally {
        busy--;
      }
    }
  };
  const senders = Array.from({ length: options.size }, sender);
  return {
    queue,
    url,
    stop: async () => {
      stopping.abort();
      await Promise.allSettled(senders);
      if (InProcessShardQueue.byUrl.get(url) === queue) InProcessShardQueue.byUrl.delete(url);
    },
    settled: async (timeoutMs = 60_000) => {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline && (busy > 0 || queue.depth > 0))
        await new Promise((resolve) => setTimeout(resolve, 50));
    },
  };
}
