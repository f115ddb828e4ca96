import type { Context, EventBridgeEvent } from 'aws-lambda';
import { MjmlIssueRenderer } from '../adapters/mjml/mjml-renderer.js';
import { buildDeliveryDeps, parseConfig } from '../config.js';
import { runTick } from '../core/delivery/tick.js';
import { createLogger } from '../logger.js';
import { perConfiguration } from './per-configuration.js';

const logger = createLogger();
const deliveryDeps = perConfiguration(() => {
  const config = parseConfig(process.env);
  return buildDeliveryDeps(config, new MjmlIssueRenderer(config.TEMPLATES_DIR), logger);
});

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
    confirmationsSent: result.confirmationsSent,
    worker: result.worker,
  };
  logger.info('tick done', { schedule: 'tick', eventId: event.id, time: event.time, ...summary });
  return summary;
}
