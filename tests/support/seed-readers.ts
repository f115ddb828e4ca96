import { BatchWriteCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { recipientShardOf, type Subscriber } from '../../functions/core/subscribers/subscriber.js';

/**
 * Readers written straight to the table as DynamoSubscriberRepository writes them, 25 per
 * BatchWriteItem, 16 calls at once, and the dashboard's counters set to match (what an export
 * estimates from): seeding is not what is measured, and a create per reader is far slower.
 */
export async function seedReaders(
  client: DynamoDBDocumentClient,
  table: string,
  count: number,
  make: (i: number) => Subscriber,
) {
  const item = (s: Subscriber) => ({
    PK: `SUBSCRIBER#${s.id}`,
    SK: 'PROFILE',
    ...(s.state === 'confirmed'
      ? { GSI1PK: `RECIPIENTS#${recipientShardOf(s.id)}`, GSI1SK: s.id }
      : {}),
    entity: 'subscriber',
    ...s,
  });
  const states: Record<string, number> = {};
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < count) {
        const start = next;
        next = Math.min(count, next + 25);
        let requests = Array.from({ length: next - start }, (_, k) => {
          const s = make(start + k);
          states[`state:${s.state}`] = (states[`state:${s.state}`] ?? 0) + 1;
          return { PutRequest: { Item: item(s) } };
        });
        while (requests.length) {
          const { UnprocessedItems } = await client.send(
            new BatchWriteCommand({ RequestItems: { [table]: requests } }),
          );
          requests = (UnprocessedItems?.[table] ?? []) as typeof requests;
        }
      }
    }),
  );
  await client.send(
    new PutCommand({ TableName: table, Item: { PK: 'STATS', SK: 'SUBSCRIBERS', ...states } }),
  );
}
