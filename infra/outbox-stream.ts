/**
 * How the outbox's sender reads the table's stream, as plain data (the tests read it too; no
 * `sst` globals here).
 */
export const outboxStream = {
  /** The new image is all the sender reads (which entry, in which item); it re-reads the item anyway. */
  viewType: 'new-image',
  /** Only writes that leave an entry queued: a claim, a receipt or any other write wakes nothing. */
  filter: {
    eventName: ['INSERT', 'MODIFY'],
    dynamodb: { NewImage: { GSI2PK: { S: ['OUTBOX#queued'] } } },
  },
  /**
   * And webhook deliveries just queued (an event, a replay): the same function drains them, so a
   * delivery goes within seconds rather than at the tick's minute. A retry's rewrite is queued
   * too, and wakes a drain that finds it not yet due: the tick sends it when it is.
   */
  webhookFilter: {
    eventName: ['INSERT', 'MODIFY'],
    dynamodb: { NewImage: { GSI2PK: { S: ['WEBHOOK#due'] }, state: { S: ['queued'] } } },
  },
  mapping: {
    startingPosition: 'LATEST',
    batchSize: 25,
    maximumBatchingWindowInSeconds: 0,
    // The handler names the first record it could not handle; Lambda retries from there.
    functionResponseTypes: ['ReportBatchItemFailures'],
    bisectBatchOnFunctionError: true,
    maximumRetryAttempts: 5,
    // Past this a record is only a late wake-up: the tick's sweep has sent its entry already.
    maximumRecordAgeInSeconds: 3600,
  },
} as const;
