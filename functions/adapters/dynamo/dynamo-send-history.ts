import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DeliveryLedger, LedgerEntry } from '../../core/ports.js';
import { translateDynamoError } from './client.js';
import { LegacyEntries } from './ledger-partitions.js';
import { tableKeys } from './table.js';

export const asEntry = ({ PK, SK, GSI1PK, GSI1SK, entity, ...entry }: Record<string, unknown>) =>
  entry as LedgerEntry;

/**
 * What each reader was sent (sent ledger entries sit in the index under `HISTORY#<subscriber>`).
 */
export class DynamoSendHistory implements Pick<DeliveryLedger, 'history'> {
  protected readonly legacy: LegacyEntries;

  constructor(
    protected readonly client: DynamoDBDocumentClient,
    protected readonly tableName: string,
  ) {
    this.legacy = new LegacyEntries(client, tableName);
  }

  async history(subscriberId: string, limit = 100): Promise<LedgerEntry[]> {
    const { Items = [] } = await this.client
      .send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: tableKeys.index,
          KeyConditionExpression: `${tableKeys.indexPartitionKey} = :history`,
          ExpressionAttributeValues: { ':history': `HISTORY#${subscriberId}` },
          ScanIndexForward: false,
          Limit: limit,
        }),
      )
      .catch(translateDynamoError);
    return Items.map(asEntry);
  }
}
