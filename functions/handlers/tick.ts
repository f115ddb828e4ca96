import type { Context, EventBridgeEvent } from 'aws-lambda';
import { runTick } from '../core/delivery/tick.js';
import { digestSchedules as schedulesOf } from '../adapters/schedules/digest-schedules.js';
import { parseConfig } from '../config.js';
import { deliveryFunction } from './delivery-function.js';
import { perConfiguration } from './per-configuration.js';

const { logger, deliveryDeps } = deliveryFunction();
/** The digests' schedules, so a tick can start a digest whose own firing failed. */
const digestSchedules = perConfiguration(() => {
  const config = parseConfig(process.env);
  return schedulesOf({
    daily: config.DAILY_DIGEST_SCHEDULE,
    weekly: config.WEEKLY_DIGEST_SCHEDULE,
  });
});

/**
 * EventBridge, every minute: start due issues, resume quota-paused ones, publish new articles,
 * catch up a digest whose firing failed, then send until the function's own timeout is near.
 * Overlapping ticks are more workers.
 */
export async function handler(
  event: EventBridgeEvent<'Scheduled Event', unknown>,
  context: Context,
) {
  logger.addContext(context);
  const result = await runTick(await deliveryDeps(), {
    deadline: Date.now() + context.getRemainingTimeInMillis(),
    workerId: context.awsRequestId,
    firedAt: new Date(event.time),
    digestSchedules: digestSchedules(),
  });
  const summary = {
    started: result.started,
    resumed: result.resumed,
    held: result.held,
    published: result.published,
    digests: result.digests,
    outbox: result.outbox,
    outboxOldestSeconds: result.outboxOldestSeconds,
    fleet: result.fleet,
    worker: result.worker,
  };
  logger.info('tick done', { schedule: 'tick', eventId: event.id, time: event.time, ...summary });
  return summary;
}
