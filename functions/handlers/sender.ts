import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { workShardMessages } from '../core/delivery/fleet.js';
import { deliveryFunction } from './delivery-function.js';

const { logger, deliveryDeps } = deliveryFunction();

/**
 * SQS, one message per invocation (infra/fleet.ts): work the message's shard until it is done or
 * the timeout nears. A message that failed is named, and SQS hands it out again.
 */
export async function handler(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  logger.addContext(context);
  const deadline = Date.now() + context.getRemainingTimeInMillis();
  const deps = await deliveryDeps();
  const result = await workShardMessages(deps, event.Records, deadline, context.awsRequestId);
  logger.info('sender done', { ...result.summary });
  return { batchItemFailures: result.failed.map((itemIdentifier) => ({ itemIdentifier })) };
}
