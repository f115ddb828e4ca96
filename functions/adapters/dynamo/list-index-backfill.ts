import { type DynamoDBDocumentClient, paginateScan, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Subscriber } from '../../core/subscribers/subscriber.js';
import { translated } from './client.js';
import { conditionally } from './conditional-write.js';
import { listIndexKeys } from './dynamo-subscribers.js';
import { tableKeys } from './table.js';

/**
 * Gives the listing index's keys (GSI3) to subscribers written before it existed: until their
 * next write they are missing from the workspace's and the API's lists. An operator's one-off
 * (`npm run backfill:list-index`), not a function's: it Scans, which no function that lists may.
 * Idempotent and resumable: it only reads items still without the keys, and each update holds
 * only on the version it read (a newer write went through `toItem` and has them already).
 */
export async function backfillListIndex(
  client: DynamoDBDocumentClient,
  tableName: string,
  onPage: (progress: { scanned: number; updated: number }) => void = () => {},
) {
  const progress = { scanned: 0, updated: 0 };
  const pages = paginateScan(
    { client, pageSize: 500 },
    {
      TableName: tableName,
      FilterExpression: '#entity = :subscriber AND attribute_not_exists(#listKey)',
      ProjectionExpression: '#pk, #sk, #id, #email, #state, #version',
      ExpressionAttributeNames: {
        '#entity': 'entity',
        '#listKey': tableKeys.listPartitionKey,
        '#pk': tableKeys.partitionKey,
        '#sk': tableKeys.sortKey,
        '#id': 'id',
        '#email': 'email',
        '#state': 'state',
        '#version': 'version',
      },
      ExpressionAttributeValues: { ':subscriber': 'subscriber' },
    },
  );
  for await (const page of translated(pages)) {
    progress.scanned += page.ScannedCount ?? 0;
    const items = page.Items ?? [];
    for (let i = 0; i < items.length; i += 25) {
      const written = await Promise.all(
        items.slice(i, i + 25).map((item) => addKeys(client, tableName, item)),
      );
      progress.updated += written.filter(Boolean).length;
    }
    onPage(progress);
  }
  return progress;
}

function addKeys(client: DynamoDBDocumentClient, tableName: string, item: Record<string, unknown>) {
  const keys = listIndexKeys(item as Pick<Subscriber, 'id' | 'email' | 'state'>);
  return conditionally(
    client.send(
      new UpdateCommand({
        TableName: tableName,
        Key: { PK: item.PK, SK: item.SK },
        UpdateExpression: 'SET #lpk = :lpk, #lsk = :lsk',
        ConditionExpression: '#version = :version',
        ExpressionAttributeNames: {
          '#lpk': tableKeys.listPartitionKey,
          '#lsk': tableKeys.listSortKey,
          '#version': 'version',
        },
        ExpressionAttributeValues: {
          ':lpk': keys[tableKeys.listPartitionKey],
          ':lsk': keys[tableKeys.listSortKey],
          ':version': item.version,
        },
      }),
    ),
  );
}
