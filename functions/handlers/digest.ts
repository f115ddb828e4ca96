import type { Context, EventBridgeEvent } from 'aws-lambda';
import { fanOut } from '../core/delivery/fleet.js';
import { runWorker } from '../core/delivery/worker.js';
import { startDigest } from '../core/issues/digests.js';
import type { DigestFrequency } from '../core/issues/issue.js';
import { deliveryFunction } from './delivery-function.js';

const { logger, deliveryDeps } = deliveryFunction();

type ScheduledEvent = EventBridgeEvent<'Scheduled Event', unknown>;

/**
 * EventBridge, at the digest's time: start this period's digest (once, however many firings),
 * then hand its shards to the fleet and send it too. The period is the event's own time, so a late or repeated delivery of
 * the same firing lands in the same period.
 */
async function digest(frequency: DigestFrequency, event: ScheduledEvent, context: Context) {
  logger.addContext(context);
  const resolved = await deliveryDeps();
  const result = await startDigest(resolved, frequency, new Date(event.time));
  const sending = result.status === 'nothing_new' ? undefined : result.issue.id;
  const fleet = sending ? await fanOut(resolved, [sending]) : undefined;
  const worker =
    sending === undefined
      ? undefined
      : await runWorker(resolved, {
          issueId: sending,
          deadline: Date.now() + context.getRemainingTimeInMillis(),
          workerId: context.awsRequestId,
        });
  const summary = {
    status: result.status,
    issueId: 'issue' in result ? result.issue.id : undefined,
    fleet,
    worker,
  };
  logger.info('digest done', {
    schedule: `${frequency}-digest`,
    eventId: event.id,
    time: event.time,
    ...summary,
  });
  return summary;
}

export const daily = (event: ScheduledEvent, context: Context) => digest('daily', event, context);
export const weekly = (event: ScheduledEvent, context: Context) => digest('weekly', event, context);
