import { GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { LEDGER_PARTITIONS, ledgerPartitionOf } from '../../core/subscribers/subscriber.js';
import type { SendReceipt } from '../../core/ports.js';
import { translateDynamoError } from './client.js';

/**
 * Where a delivery key's entries live. Each reader's in one of `LEDGER_PARTITIONS` partitions,
 * `DELIVERY#<key>#<n>`, so a 500/s send writes about 31 items a second to each, far under a
 * partition's 1,000. Entries written before the split sit under `DELIVERY#<key>` and stay
 * there: a key with any of them is read in both places (see `LegacyEntries`).
 */
export const ledgerKey = (deliveryKey: string, subscriberId: string) => ({
  PK: `DELIVERY#${deliveryKey}#${ledgerPartitionOf(subscriberId)}`,
  SK: `RECIPIENT#${subscriberId}`,
});
export const legacyLedgerKey = (deliveryKey: string, subscriberId: string) => ({
  PK: legacyPartition(deliveryKey),
  SK: `RECIPIENT#${subscriberId}`,
});
export const legacyPartition = (deliveryKey: string) => `DELIVERY#${deliveryKey}`;

export const ledgerPartitions = (deliveryKey: string) =>
  Array.from({ length: LEDGER_PARTITIONS }, (_, n) => `DELIVERY#${deliveryKey}#${n}`);

/**
 * Whether a delivery key has entries from before the split. Nothing writes there any more, so
 * the answer can only go from yes to no (a release deletes): asked once per key and kept, a
 * key without them costs one Query per process, and one with them a read per claim.
 */
export class LegacyEntries {
  private readonly known = new Map<string, Promise<boolean>>();

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  exist(deliveryKey: string): Promise<boolean> {
    let known = this.known.get(deliveryKey);
    if (!known) {
      known = this.client
        .send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: 'PK = :pk',
            ExpressionAttributeValues: { ':pk': legacyPartition(deliveryKey) },
            ProjectionExpression: 'PK',
            Limit: 1,
          }),
        )
        .then(({ Items = [] }) => Items.length > 0, translateDynamoError);
      // A failed probe is asked again next time, not remembered as an answer.
      known.catch(() => this.known.delete(deliveryKey));
      this.known.set(deliveryKey, known);
    }
    return known;
  }

  /** The reader's entry from before the split, if the key has any. */
  async entry(deliveryKey: string, subscriberId: string) {
    if (!(await this.exist(deliveryKey))) return undefined;
    const { Item } = await this.client
      .send(
        new GetCommand({
          TableName: this.tableName,
          Key: legacyLedgerKey(deliveryKey, subscriberId),
          ConsistentRead: true,
        }),
      )
      .catch(translateDynamoError);
    return Item;
  }
}

export type CarrierItem = { PK: string; SK: string; previousSent: SendReceipt };

/**
 * The claim that carries this reader's receipt: a later claim of the same lane, so in id order
 * a few entries after the reader's own, in whichever partition its reader hashed to. Every
 * partition is read from the reader's id on, a short page each at once, then longer ones while
 * nothing is found; this runs only for a page redone after a crash.
 */
export async function findCarrier(
  client: DynamoDBDocumentClient,
  tableName: string,
  partitions: string[],
  subscriberId: string,
  pageSizes: readonly number[],
): Promise<SendReceipt | undefined> {
  const carrier = await findCarrierItem(client, tableName, partitions, subscriberId, pageSizes);
  return carrier?.previousSent;
}

/** The carrying entry itself, keys included (an erasure removes the receipt from it). */
export async function findCarrierItem(
  client: DynamoDBDocumentClient,
  tableName: string,
  partitions: string[],
  subscriberId: string,
  pageSizes: readonly number[],
): Promise<CarrierItem | undefined> {
  let open = partitions.map((pk) => ({
    pk,
    start: undefined as Record<string, unknown> | undefined,
  }));
  for (const size of pageSizes) {
    const pages = await Promise.all(
      open.map(async (p) => {
        const { Items = [], LastEvaluatedKey } = await client
          .send(
            new QueryCommand({
              TableName: tableName,
              KeyConditionExpression: 'PK = :pk AND SK > :after',
              FilterExpression: 'previousSent.subscriberId = :id',
              ExpressionAttributeValues: {
                ':pk': p.pk,
                ':after': `RECIPIENT#${subscriberId}`,
                ':id': subscriberId,
              },
              Limit: size,
              ExclusiveStartKey: p.start,
              ConsistentRead: true,
            }),
          )
          .catch(translateDynamoError);
        const carrier = Items[0] as CarrierItem | undefined;
        return { pk: p.pk, start: LastEvaluatedKey, carrier };
      }),
    );
    const found = pages.find((p) => p.carrier);
    if (found) return found.carrier;
    open = pages.filter((p) => p.start !== undefined);
    if (open.length === 0) return undefined;
  }
  return undefined;
}
