import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { EventLog, EventStart } from '../../core/ports.js';
import { translateDynamoError } from './client.js';
import { conditionally } from './conditional-write.js';

/** Handled events, kept 30 days (TTL): long past any redelivery. */
const EVENT_RETENTION_S = 30 * 24 * 60 * 60;

/**
 * One item per event key: `applying` with the attempt that holds it, then `applied`. An item
 * without a status comes from before attempts were recorded, when a key was written only once
 * its event was being applied: it counts as applied.
 */
export class DynamoEventLog implements EventLog {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  private key = (key: string) => ({ PK: `EVENT#${key}`, SK: 'EVENT' });

  async begin(key: string, attempt: string, at: Date, staleBefore: Date): Promise<EventStart> {
    // One conditional write decides: a new key, this attempt's own (a retried write whose first
    // answer was lost), or an attempt that began long enough ago to have failed.
    const started = await conditionally(
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...this.key(key),
            entity: 'event',
            status: 'applying',
            attempt,
            at: at.toISOString(),
            expiresAt: Math.floor(at.getTime() / 1000) + EVENT_RETENTION_S,
          },
          ConditionExpression:
            'attribute_not_exists(PK) OR (#status = :applying AND (attempt = :attempt OR #at < :stale))',
          ExpressionAttributeNames: { '#status': 'status', '#at': 'at' },
          ExpressionAttributeValues: {
            ':applying': 'applying',
            ':attempt': attempt,
            ':stale': staleBefore.toISOString(),
          },
        }),
      ),
    );
    if (started) return 'go';
    const { Item } = await this.client
      .send(new GetCommand({ TableName: this.tableName, Key: this.key(key), ConsistentRead: true }))
      .catch(translateDynamoError);
    return Item && Item.status === 'applying' ? 'busy' : 'done';
  }

  async abandon(key: string, attempt: string) {
    // Dated at the epoch, the attempt is stale for everyone; it still holds the key as applying.
    await conditionally(
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: this.key(key),
          UpdateExpression: 'SET #at = :epoch',
          ConditionExpression: 'attempt = :attempt AND #status = :applying',
          ExpressionAttributeNames: { '#status': 'status', '#at': 'at' },
          ExpressionAttributeValues: {
            ':epoch': new Date(0).toISOString(),
            ':attempt': attempt,
            ':applying': 'applying',
          },
        }),
      ),
    );
  }

  async finish(key: string, attempt: string) {
    // Only the attempt that holds the key closes it; one that was taken over leaves it be.
    await conditionally(
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: this.key(key),
          UpdateExpression: 'SET #status = :applied REMOVE attempt',
          ConditionExpression: 'attempt = :attempt',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':applied': 'applied', ':attempt': attempt },
        }),
      ),
    );
  }
}
