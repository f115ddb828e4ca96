import { deadLetterAlarm, RETENTION_SECONDS } from './dead-letters.js';
import { shardWorkQueue } from './functions.js';

/**
 * Shard messages the sender failed on `shardWorkQueue.maxReceives` times. They hold no work of
 * their own (the shard's progress is in the table, and the tick queues an open shard again each
 * minute); they say a shard keeps failing, and the error is in the sender's logs.
 */
export const shardWorkDeadLetters = new sst.aws.Queue('ShardWorkDeadLetters', {
  transform: {
    queue: (args) => {
      args.messageRetentionSeconds = RETENTION_SECONDS;
    },
  },
});

/** The fleet's queue of shard work: `{ issueId, shard }` per message (functions/core/delivery/fleet.ts). */
export const shardWork = new sst.aws.Queue('ShardWork', {
  visibilityTimeout: shardWorkQueue.visibilityTimeout,
  dlq: { queue: shardWorkDeadLetters.arn, retry: shardWorkQueue.maxReceives },
});

export const shardWorkDeadLettersAlarm = deadLetterAlarm(
  'ShardWorkDeadLettersAlarm',
  shardWorkDeadLetters,
  'A shard of a sending issue failed in the sender fleet 5 times: read the sender function\'s errors (docs/sending.md, "The sender fleet")',
);
