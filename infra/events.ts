import { OUTBOX_TAGS } from '../functions/core/outbox/tags.js';
import { api } from './api.js';
import { ruleDeadLetterPolicy, sesEventsDeadLetters } from './dead-letters.js';
import { defaultBusArn, email } from './email.js';
import { functionArgs } from './function-args.js';

/** Every SES event of this stage's configuration set: two stages in one account never see each other's. */
const thisStage = { 'ses:configuration-set': [email.configSet] };

/**
 * SES events of this stage's configuration set (bounces, complaints, deliveries, opens, clicks),
 * published to the default event bus by infra/email.ts, routed to the `ses-events` function.
 * Every type but `Send`: one per message of every issue, they would double the invocations, and
 * only an outbox email's is worth reading (the second rule, below).
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
      detail: { eventType: [{ 'anything-but': ['Send'] }], mail: { tags: thisStage } },
    },
    transform: { target: deadLettered },
  },
);

/**
 * The `Send` events of outbox emails, to the same function: SES's receipt for a confirmation,
 * welcome or test send whose sender died (or lost SES's answer) before recording it. One more
 * invocation per transactional email; an issue's sends, untagged, never match.
 */
export const sesOutboxReceipts = sst.aws.Bus.subscribe(
  'SesOutboxReceipts',
  defaultBusArn,
  sesEvents.nodes.function.arn,
  {
    pattern: {
      source: ['aws.ses'],
      detail: {
        eventType: ['Send'],
        mail: { tags: { ...thisStage, [OUTBOX_TAGS.entry]: [{ exists: true }] } },
      },
    },
    transform: { target: deadLettered },
  },
);

/** What EventBridge could not hand to the function goes to its dead letters too. */
function deadLettered(args: aws.cloudwatch.EventTargetArgs): undefined {
  args.deadLetterConfig = { arn: sesEventsDeadLetters.arn };
}

/** EventBridge writes the rule targets' dead letters with its own principal, for these rules only. */
export const sesEventsDeadLettersPolicy = ruleDeadLetterPolicy(
  'SesEventsDeadLettersPolicy',
  sesEventsDeadLetters,
  [sesEvents.nodes.rule.arn, sesOutboxReceipts.nodes.rule.arn],
);
