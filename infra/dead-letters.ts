import { alerts } from './alerts.js';

/** SQS keeps a message at most 14 days: the time an operator has to replay a dead letter. */
export const RETENTION_SECONDS = 14 * 24 * 60 * 60;

/**
 * SES events that `ses-events` could not handle, from both places they can fail (infra/events.ts):
 * EventBridge could not invoke the function (the rule target's dead-letter queue), or the function
 * failed after Lambda's two retries or the event grew too old in Lambda's queue (the function's
 * on-failure destination). Read and replayed by the operator only: `npm run events -- replay`.
 */
export const sesEventsDeadLetters = deadLetterQueue('SesEventsDeadLetters');

/**
 * Reputation alarms' events the pause could not act on (infra/reputation-pause.ts): the function
 * failed after Lambda's two retries, or EventBridge could not invoke it. Either way sending was
 * NOT held nor paused: the alarm below says so, and docs/sending.md says what to do by hand.
 */
export const reputationPauseDeadLetters = deadLetterQueue('ReputationPauseDeadLetters');

/** A queue kept as long as SQS allows, for dead letters. */
function deadLetterQueue(name: string) {
  return new sst.aws.Queue(name, {
    transform: {
      queue: (args) => {
        args.messageRetentionSeconds = RETENTION_SECONDS;
      },
    },
  });
}

/** EventBridge writes rule targets' dead letters with its own principal, for the rules named only. */
export function ruleDeadLetterPolicy(
  name: string,
  queue: sst.aws.Queue,
  ruleArns: $util.Input<string>[],
) {
  return new aws.sqs.QueuePolicy(name, {
    queueUrl: queue.url,
    policy: $jsonStringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: 'events.amazonaws.com' },
          Action: 'sqs:SendMessage',
          Resource: queue.arn,
          Condition: { ArnEquals: { 'aws:SourceArn': ruleArns } },
        },
      ],
    }),
  });
}

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

export const reputationPauseDeadLettersAlarm = deadLetterAlarm(
  'ReputationPauseDeadLettersAlarm',
  reputationPauseDeadLetters,
  'A reputation alarm fired but the pause failed: sending is NOT held. Pause the sending issues by hand, then read the reputation-pause function\'s errors (docs/sending.md, "The sending hold")',
);
