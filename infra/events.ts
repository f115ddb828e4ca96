import { api } from './api.js';
import { sesEventsDeadLetters } from './dead-letters.js';
import { defaultBusArn, email } from './email.js';
import { functionArgs } from './function-args.js';

/**
 * SES events of this stage's configuration set (bounces, complaints, deliveries, opens, clicks),
 * published to the default event bus by infra/email.ts, routed to the `ses-events` function.
 * The pattern names the configuration set, so two stages in one account never see each other's.
 *
 * No event is dropped: the function's on-failure destination (functionArgs) takes what failed in
 * the function, and the rule target's dead-letter queue what EventBridge could not hand to Lambda
 * at all (invoke refused: a permission, a deleted function). Lambda accepts an asynchronous
 * invoke before running it, so EventBridge never sees the function's own failures: only both
 * together catch every event. One queue for both; the replay reads either envelope.
 */
export const sesEvents = sst.aws.Bus.subscribe(
  'SesEvents',
  defaultBusArn,
  functionArgs('sesEvents', { baseUrl: api.url, deadLetterQueueArn: sesEventsDeadLetters.arn }),
  {
    pattern: {
      source: ['aws.ses'],
      detail: { mail: { tags: { 'ses:configuration-set': [email.configSet] } } },
    },
    transform: {
      target: (args) => {
        args.deadLetterConfig = { arn: sesEventsDeadLetters.arn };
      },
    },
  },
);

/** EventBridge writes the rule target's dead letters with its own principal, for this rule only. */
export const sesEventsDeadLettersPolicy = new aws.sqs.QueuePolicy('SesEventsDeadLettersPolicy', {
  queueUrl: sesEventsDeadLetters.url,
  policy: $jsonStringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: sesEventsDeadLetters.arn,
        Condition: { ArnEquals: { 'aws:SourceArn': sesEvents.nodes.rule.arn } },
      },
    ],
  }),
});
