import type { Context, EventBridgeEvent } from 'aws-lambda';
import { MjmlIssueRenderer } from '../adapters/mjml/mjml-renderer.js';
import { buildDeliveryDeps, parseConfig } from '../config.js';
import { perConfiguration } from './init.js';
import { runTick } from '../core/delivery/tick.js';
import { digestSchedules } from '../adapters/schedules/digest-schedules.js';

const deliveryDeps = perConfiguration(async () => {
  const config = parseConfig(process.env);
  return {
    deps: await buildDeliveryDeps(config, new MjmlIssueRenderer(config.TEMPLATES_DIR)),
    digestSchedules: digestSchedules({
      daily: config.DAILY_DIGEST_SCHEDULE,
      weekly: config.WEEKLY_DIGEST_SCHEDULE,
    }),
  };
});

/**
 * EventBridge, every minute: start due issues, resume quota-paused ones, publish new articles,
 * catch up a digest whose firing failed, then send until the function's own timeout is near.
 * Overlapping ticks are more workers.
 */
export async function handler(
  event: EventBridgeEvent<'Scheduled Event', unknown>,
  context: Pick<Context, 'getRemainingTimeInMillis' | 'awsRequestId'>,
) {
  const { deps, digestSchedules } = await deliveryDeps();
  const result = await runTick(deps, {
    deadline: Date.now() + context.getRemainingTimeInMillis(),
    workerId: context.awsRequestId,
    firedAt: new Date(event.time),
    digestSchedules,
  });
  const summary = {
    started: result.started,
    resumed: result.resumed,
    published: result.published,
    digests: result.digests,
    confirmationsSent: result.confirmationsSent,
    worker: result.worker,
  };
  console.log(
    JSON.stringify({
      level: 'info',
      schedule: 'tick',
      eventId: event.id,
      time: event.time,
      ...summary,
    }),
  );
  return summary;
}
