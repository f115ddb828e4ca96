import type { Context, EventBridgeEvent } from 'aws-lambda';
import { runTick } from '../core/delivery/tick.js';
import { digestSchedules as schedulesOf } from '../adapters/schedules/digest-schedules.js';
import { buildWebhookSenderDeps, parseConfig } from '../config.js';
import { drainWebhooks } from '../core/webhooks/drain.js';
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

const webhookDeps = perConfiguration(() => buildWebhookSenderDeps(parseConfig(process.env)));

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
  const deadline = Date.now() + context.getRemainingTimeInMillis();
  // Webhooks beside the send, not before it: a receiver that hangs holds up only its own drain.
  const [result, webhooks] = await Promise.all([
    runTick(await deliveryDeps(), {
      deadline,
      workerId: context.awsRequestId,
      firedAt: new Date(event.time),
      digestSchedules: digestSchedules(),
    }),
    drainWebhooks(webhookDeps(), { deadline }),
  ]);
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
    webhooks,
  };
  logger.info('tick done', { schedule: 'tick', eventId: event.id, time: event.time, ...summary });
  return summary;
}
