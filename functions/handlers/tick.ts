import type { Context, EventBridgeEvent } from 'aws-lambda';
import { runTick } from '../core/delivery/tick.js';
import { deliveryFunction } from './delivery-function.js';

const { logger, deliveryDeps } = deliveryFunction();

/**
 * EventBridge, every minute: start due issues, resume quota-paused ones, publish new articles,
 * then send until the function's own timeout is near. Overlapping ticks are more workers.
 */
export async function handler(
  event: EventBridgeEvent<'Scheduled Event', unknown>,
  context: Context,
) {
  logger.addContext(context);
  const result = await runTick(await deliveryDeps(), {
    deadline: Date.now() + context.getRemainingTimeInMillis(),
    workerId: context.awsRequestId,
  });
  const summary = {
    started: result.started,
    resumed: result.resumed,
    published: result.published,
    outbox: result.outbox,
    worker: result.worker,
  };
  logger.info('tick done', { schedule: 'tick', eventId: event.id, time: event.time, ...summary });
  return summary;
}
