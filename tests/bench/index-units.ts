/**
 * What DynamoDB bills a write for the table's indexes, which a count of request bytes misses.
 * Both GSIs project ALL attributes, so a write that puts an item into an index costs a write unit
 * per started KB of the item there too; taking it out costs one per KB of the old item, and
 * changing its index key costs both. Knowing that needs the item before and after: `IndexMeter`
 * reads them around each write (strongly consistent, from dynalite directly). Used by the cost
 * benchmark only: the extra reads would slow the others.
 */
import { createRequire } from 'node:module';
import { BatchGetItemCommand, DynamoDBClient, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { createTableInput, tableKeys } from '../../functions/adapters/dynamo/table.js';

type Item = Record<string, AttributeValue>;
type Key = { table: string; key: Item };
const { itemSize } = createRequire(import.meta.url)('dynalite/db/index.js') as {
  itemSize(item: Item): number;
};
const indexes = (createTableInput('t').GlobalSecondaryIndexes ?? []).map((index) => {
  if (index.Projection?.ProjectionType !== 'ALL') throw new Error(`${index.IndexName}: not ALL`);
  return index.KeySchema!.map((k) => k.AttributeName!);
});

const kb = (item: Item) => Math.max(1, Math.ceil(itemSize(item) / 1024));
const keyOf = (item: Item): Item => ({
  [tableKeys.partitionKey]: item[tableKeys.partitionKey]!,
  [tableKeys.sortKey]: item[tableKeys.sortKey]!,
});
/** Stable across attribute order, which dynalite's answers do not keep. */
const canonical = (value: unknown): string =>
  value && typeof value === 'object'
    ? Array.isArray(value)
      ? `[${value.map(canonical).join(',')}]`
      : `{${Object.keys(value)
          .sort()
          .map((k) => `${k}:${canonical((value as Record<string, unknown>)[k])}`)
          .join(',')}}`
    : JSON.stringify(value);

/** Index write units for one item going from `old` to `next` (either absent). */
export function indexUnits(old: Item | undefined, next: Item | undefined): number {
  if (old && next && canonical(old) === canonical(next)) return 0; // a failed condition, a no-op
  let units = 0;
  for (const keys of indexes) {
    const inOld = old && keys.every((k) => old[k] !== undefined);
    const inNext = next && keys.every((k) => next[k] !== undefined);
    const sameKey = inOld && inNext && keys.every((k) => canonical(old[k]) === canonical(next[k]));
    if (inOld && !sameKey) units += kb(old); // out of the index, or out of its old place
    if (inNext) units += kb(next);
  }
  return units;
}

/** The keys a write names, per table. */
export function keysWritten(op: string, body: Record<string, unknown>): Key[] {
  const table = body.TableName as string;
  switch (op) {
    case 'PutItem':
      return [{ table, key: keyOf(body.Item as Item) }];
    case 'UpdateItem':
    case 'DeleteItem':
      return [{ table, key: body.Key as Item }];
    case 'BatchWriteItem':
      return Object.entries(
        body.RequestItems as Record<string, Record<string, { Item?: Item; Key?: Item }>[]>,
      ).flatMap(([name, requests]) =>
        requests.map((r) => ({
          table: name,
          key: r.PutRequest?.Item ? keyOf(r.PutRequest.Item) : r.DeleteRequest!.Key!,
        })),
      );
    default:
      return [];
  }
}

export class IndexMeter {
  private readonly client: DynamoDBClient;
  constructor(endpoint: string) {
    this.client = new DynamoDBClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
    });
  }

  /** The items at these keys now (undefined where there is none), in the keys' order. */
  async read(keys: Key[]): Promise<(Item | undefined)[]> {
    const found = new Map<string, Item>();
    for (let i = 0; i < keys.length; i += 100) {
      const batch = keys.slice(i, i + 100);
      const byTable: Record<string, { Keys: Item[]; ConsistentRead: boolean }> = {};
      for (const { table, key } of batch)
        (byTable[table] ??= { Keys: [], ConsistentRead: true }).Keys.push(key);
      let request: typeof byTable | undefined = byTable;
      while (request && Object.keys(request).length > 0) {
        const out = await this.client.send(new BatchGetItemCommand({ RequestItems: request }));
        for (const [table, items] of Object.entries(out.Responses ?? {}))
          for (const item of items) found.set(`${table}|${canonical(keyOf(item))}`, item);
        request = out.UnprocessedKeys as typeof byTable | undefined;
      }
    }
    return keys.map(({ table, key }) => found.get(`${table}|${canonical(key)}`));
  }
}
