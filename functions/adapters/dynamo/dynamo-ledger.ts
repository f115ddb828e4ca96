import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DeliveryLedger, LedgerEntry } from '../../core/ports.js';
import { isConditionFailure, translateDynamoError } from './client.js';

const key = (issueId: string, subscriberId: string) => ({ PK: `ISSUE#${issueId}`, SK: `RECIPIENT#${subscriberId}` });

export class DynamoDeliveryLedger implements DeliveryLedger {
  constructor(private readonly client: DynamoDBDocumentClient, private readonly tableName: string) {}

  async claim(issueId: string, subscriberId: string, at: Date): Promise<'claimed' | LedgerEntry> {
    try {
      await this.client.send(new PutCommand({
        TableName: this.tableName,
        Item: { ...key(issueId, subscriberId), entity: 'ledger', issueId, subscriberId, status: 'claimed', claimedAt: at.toISOString() },
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
      .send(new GetCommand({ TableName: this.tableName, Key: key(issueId, subscriberId), ConsistentRead: true }))
      .catch(translateDynamoError);
    const { PK, SK, entity, ...entry } = Item ?? {};
    return entry as LedgerEntry;
  }

  async markSent(issueId: string, subscriberId: string, messageId: string, at: Date) {
    await this.client
      .send(new UpdateCommand({
        TableName: this.tableName,
        Key: key(issueId, subscriberId),
        UpdateExpression: 'SET #status = :sent, messageId = :id, sentAt = :at',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':sent': 'sent', ':id': messageId, ':at': at.toISOString() },
      }))
      .catch(translateDynamoError);
  }

  async markFailed(issueId: string, subscriberId: string, reason: string, at: Date) {
    await this.client
      .send(new UpdateCommand({
        TableName: this.tableName,
        Key: key(issueId, subscriberId),
        UpdateExpression: 'SET #status = :failed, failure = :reason, failedAt = :at',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':failed': 'failed', ':reason': reason.slice(0, 500), ':at': at.toISOString() },
      }))
      .catch(translateDynamoError);
  }
}
