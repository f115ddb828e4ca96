import { api } from './api.js';
import { deadLetterAlarm, RETENTION_SECONDS } from './dead-letters.js';
import { functionArgs } from './function-args.js';
import { outboxStream } from './outbox-stream.js';
import { table } from './table.js';

/**
 * Stream records the outbox's sender could not handle after its retries (each retry bisects the
 * batch, so one bad record does not hold back the rest). They hold no email: the entry is still
 * in its item, and the tick's sweep sends it when due; the queue says a wake-up was lost and why.
 */
export const outboxFailures = new sst.aws.Queue('OutboxFailures', {
  transform: {
    queue: (args) => {
      args.messageRetentionSeconds = RETENTION_SECONDS;
    },
  },
});

export const outboxFailuresAlarm = deadLetterAlarm(
  'OutboxFailuresAlarm',
  outboxFailures,
  'The outbox sender gave up on stream records: the tick\'s sweep still sends their emails, late; read the outbox function\'s errors (docs/sending.md, "Alarms")',
);

const sender = functionArgs('outbox', { baseUrl: api.url });

/**
 * The outbox's sender on the table's stream: woken only by items whose entry is queued (the
 * filter reads the sparse index key the adapters write), so a reader's other writes cost nothing.
 */
export const outboxSender = table.subscribe(
  'OutboxSender',
  {
    ...sender,
    // The on-failure destination is written by the function's own role.
    permissions: [
      ...(sender.permissions as object[]),
      { actions: ['sqs:SendMessage'], resources: [outboxFailures.arn] },
    ] as sst.aws.FunctionArgs['permissions'],
  },
  {
    filters: [outboxStream.filter, outboxStream.webhookFilter],
    transform: {
      eventSourceMapping: (args) => {
        Object.assign(args, outboxStream.mapping);
        args.destinationConfig = { onFailure: { destinationArn: outboxFailures.arn } };
      },
    },
  },
);
