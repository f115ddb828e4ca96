import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/**
 * The one table. Keys are generic (PK/SK, GSI1PK/GSI1SK) so every entity shares it:
 *
 * | entity      | PK                 | SK                | GSI1PK           | GSI1SK |
 * |-------------|--------------------|-------------------|------------------|--------|
 * | subscriber  | SUBSCRIBER#<id>    | PROFILE           | RECIPIENTS#<0-7> (confirmed only) | <id> |
 * | issue       | ISSUE#<issueId>    | META              | ISSUES#sending (while sending) | <issueId> |
 * | ledger      | DELIVERY#<key>#<0-31> | RECIPIENT#<subId> | HISTORY#<subId> (sent) | sentAt |
 * | audit, idempotency (about a reader) | … | … | READER#<subId> | <when or key> |
 * | engagement  | ENGAGE#<issueId>#<subId> | READER   | READER#<subId>   | ENGAGE#<issueId> |
 *
 * (docs/architecture.md has every entity.)
 *
 * GSI1 is sparse: only confirmed subscribers and issues being sent carry its keys, so a send
 * reads its audience with one Query per shard and never touches pending or unsubscribed readers,
 * and a tick finds unfinished issues with one Query. GSI2 is the outbox's (a confirmed reader
 * with a welcome queued is in both): `OUTBOX#queued|sending|failed`, sorted by when it is due.
 * GSI3 is the subscribers' list: every subscriber under `LIST#<state>#<0-3>`, sorted by
 * `<email>#<id>`, so a list by state, a search by address prefix and their pages are Queries.
 * `expiresAt` (epoch seconds) is the TTL attribute on AWS; locally nothing sweeps it.
 */
/**
 * The index partition of what names a reader besides their own items (audit entries about them,
 * idempotency records of requests about them): what their erasure must find without a Scan.
 */
export const readerPartition = (subscriberId: string) => `READER#${subscriberId}`;

export const tableKeys = {
  partitionKey: 'PK',
  sortKey: 'SK',
  index: 'GSI1',
  indexPartitionKey: 'GSI1PK',
  indexSortKey: 'GSI1SK',
  /** The outbox's sparse index: only items with an email queued, in flight or given up. */
  outboxIndex: 'GSI2',
  outboxPartitionKey: 'GSI2PK',
  outboxSortKey: 'GSI2SK',
  /** Every subscriber by state and address: the workspace's and the API's lists and searches. */
  listIndex: 'GSI3',
  listPartitionKey: 'GSI3PK',
  listSortKey: 'GSI3SK',
  ttl: 'expiresAt',
} as const;

export function createTableInput(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: tableKeys.partitionKey, AttributeType: 'S' },
      { AttributeName: tableKeys.sortKey, AttributeType: 'S' },
      { AttributeName: tableKeys.indexPartitionKey, AttributeType: 'S' },
      { AttributeName: tableKeys.indexSortKey, AttributeType: 'S' },
      { AttributeName: tableKeys.outboxPartitionKey, AttributeType: 'S' },
      { AttributeName: tableKeys.outboxSortKey, AttributeType: 'S' },
      { AttributeName: tableKeys.listPartitionKey, AttributeType: 'S' },
      { AttributeName: tableKeys.listSortKey, AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: tableKeys.partitionKey, KeyType: 'HASH' },
      { AttributeName: tableKeys.sortKey, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: tableKeys.index,
        KeySchema: [
          { AttributeName: tableKeys.indexPartitionKey, KeyType: 'HASH' },
          { AttributeName: tableKeys.indexSortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
      {
        IndexName: tableKeys.outboxIndex,
        KeySchema: [
          { AttributeName: tableKeys.outboxPartitionKey, KeyType: 'HASH' },
          { AttributeName: tableKeys.outboxSortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
      {
        IndexName: tableKeys.listIndex,
        KeySchema: [
          { AttributeName: tableKeys.listPartitionKey, KeyType: 'HASH' },
          { AttributeName: tableKeys.listSortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ],
  };
}
