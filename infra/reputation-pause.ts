import { reputationAlarmNames } from './alarm-names.js';
import { api } from './api.js';
import { reputationPauseDeadLetters, ruleDeadLetterPolicy } from './dead-letters.js';
import { defaultBusArn } from './email.js';
import { functionArgs } from './function-args.js';

/**
 * CloudWatch publishes every alarm's state change to the account's default event bus. This rule
 * takes the moves of the SES reputation alarms (infra/alarms.ts) into ALARM, and only those, to
 * the function that pauses all sending (core/issues/reputation-pause.ts). EventBridge rather than
 * the alerts topic: the rule's pattern picks the two alarms and the state, so the function never
 * runs for the others, and the topic stays the people's. A pause that fails (after Lambda's two
 * retries, or an invoke EventBridge could not make) lands in its dead-letter queue, whose alarm
 * says sending was not held (infra/dead-letters.ts).
 */
export const reputationPause = sst.aws.Bus.subscribe(
  'ReputationPause',
  defaultBusArn,
  functionArgs('reputationPause', {
    baseUrl: api.url,
    deadLetterQueueArn: reputationPauseDeadLetters.arn,
  }),
  {
    pattern: {
      source: ['aws.cloudwatch'],
      detailType: ['CloudWatch Alarm State Change'],
      detail: {
        alarmName: Object.values(reputationAlarmNames($app)),
        state: { value: ['ALARM'] },
      },
    },
    // What EventBridge could not hand to the function is a dead letter too, never silent.
    transform: {
      target: (args) => {
        args.deadLetterConfig = { arn: reputationPauseDeadLetters.arn };
      },
    },
  },
);

export const reputationPauseDeadLettersPolicy = ruleDeadLetterPolicy(
  'ReputationPauseDeadLettersPolicy',
  reputationPauseDeadLetters,
  [reputationPause.nodes.rule.arn],
);
