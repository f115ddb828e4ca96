import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { tableKeys } from './table.js';
import type { DeliveryLedger, LedgerEntry } from '../../core/ports.js';
import { isConditionFailure, translateDynamoError } from './client.js';

const key = (deliveryKey: string, subscriberId: string) => ({ PK: `DELIVERY#${deliveryKey}`, SK: `RECIPIENT#${subscriberId}` });

export class DynamoDeliveryLedger implements DeliveryLedger {
  constructor(private readonly client: DynamoDBDocumentClient, private readonly tableName: string) {}

  async claim(deliveryKey: string, subscriberId: string, issueId: string, at: Date): Promise<'claimed' | LedgerEntry> {
    try {
      await this.client.send(new PutCommand({
        TableName: this.tableName,
        Item: { ...key(deliveryKey, subscriberId), entity: 'ledger', deliveryKey, subscriberId, issueId, status: 'claimed', claimedAt: at.toISOString() },
        // A definite failure (SES said no) may be retried; a claim or a send may not.
        ConditionExpression: 'attribute_not_exists(PK) OR #status = :failed',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':failed': 'failed' },
      }));
      return 'claimed';
    } catch (error) {
      if (!isConditionFailure(error)) return translateDynamoError(error);
    }
    const { Item } = await this.client
      .send(new GetCommand({ TableName: this.tableName, Key: key(deliveryKey, subscriberId), ConsistentRead: true }))
      .catch(translateDynamoError);
    const { PK, SK, entity, ...entry } = Item ?? {};
    return entry as LedgerEntry;
  }

  async markSent(deliveryKey: string, subscriberId: string, messageId: string, at: Date) {
    // Sent entries join the sparse index under their reader: a subscriber's history is one Query.
    await this.update(deliveryKey, subscriberId, 'SET #status = :sent, messageId = :id, sentAt = :at, GSI1PK = :history, GSI1SK = :at', {
      ':sent': 'sent', ':id': messageId, ':at': at.toISOString(), ':history': `HISTORY#${subscriberId}`,
    });
  }

  async history(subscriberId: string, limit = 100): Promise<LedgerEntry[]> {
    const { Items = [] } = await this.client
      .send(new QueryCommand({
        TableName: this.tableName,
        IndexName: tableKeys.index,
        KeyConditionExpression: `${tableKeys.indexPartitionKey} = :history`,
        ExpressionAttributeValues: { ':history': `HISTORY#${subscriberId}` },
        ScanIndexForward: false,
        Limit: limit,
      }))
      .catch(translateDynamoError);
    return Items.map(({ PK: _pk, SK: _sk, GSI1PK: _g, GSI1SK: _s, entity: _e, ...entry }) => entry as LedgerEntry);
  }

  async markFailed(deliveryKey: string, subscriberId: string, reason: string, at: Date) {
    await this.update(deliveryKey, subscriberId, 'SET #status = :failed, failure = :reason, failedAt = :at', { ':failed': 'failed', ':reason': reason.slice(0, 500), ':at': at.toISOString() });
  }

  async release(deliveryKey: string, subscriberId: string) {
    try {
      await this.client.send(new DeleteCommand({
        TableName: this.tableName,
        Key: key(deliveryKey, subscriberId),
        ConditionExpression: '#status = :claimed',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':claimed': 'claimed' },
      }));
    } catch (error) {
      if (!isConditionFailure(error)) translateDynamoError(error);
    }
  }

  private async update(deliveryKey: string, subscriberId: string, expression: string, values: Record<string, unknown>) {
    await this.client
      .send(new UpdateCommand({
        TableName: this.tableName,
        Key: key(deliveryKey, subscriberId),
        UpdateExpression: expression,
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: values,
      }))
      .catch(translateDynamoError);
  }
}
