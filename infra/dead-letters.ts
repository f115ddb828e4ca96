import { alerts } from './alerts.js';

/** SQS keeps a message at most 14 days: the time an operator has to replay a dead letter. */
export const RETENTION_SECONDS = 14 * 24 * 60 * 60;

/**
 * SES events that `ses-events` could not handle, from both places they can fail (infra/events.ts):
 * EventBridge could not invoke the function (the rule target's dead-letter queue), or the function
 * failed after Lambda's two retries or the event grew too old in Lambda's queue (the function's
 * on-failure destination). Read and replayed by the operator only: `npm run events -- replay`.
 */
export const sesEventsDeadLetters = new sst.aws.Queue('SesEventsDeadLetters', {
  transform: {
    queue: (args) => {
      args.messageRetentionSeconds = RETENTION_SECONDS;
    },
  },
});

/**
 * Any dead letter is worth a person's look (a bounce not acted on is an address still mailed):
 * the alarm fires when one is visible and clears when the queue is empty again.
 */
export function deadLetterAlarm(name: string, queue: sst.aws.Queue, description: string) {
  return new aws.cloudwatch.MetricAlarm(name, {
    alarmDescription: description,
    namespace: 'AWS/SQS',
    metricName: 'ApproximateNumberOfMessagesVisible',
    dimensions: { QueueName: queue.nodes.queue.name },
    statistic: 'Maximum',
    period: 300,
    evaluationPeriods: 1,
    threshold: 0,
    comparisonOperator: 'GreaterThanThreshold',
    // SQS stops reporting an idle queue's metrics: no data is an empty queue.
    treatMissingData: 'notBreaching',
    alarmActions: [alerts.arn],
    okActions: [alerts.arn],
  });
}

export const sesEventsDeadLettersAlarm = deadLetterAlarm(
  'SesEventsDeadLettersAlarm',
  sesEventsDeadLetters,
  'SES events failed in ses-events and wait in the dead-letter queue: run `npm run events -- list`, then `replay` (docs/sending.md)',
);
