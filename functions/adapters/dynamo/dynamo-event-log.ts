import { DeleteCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { EventLog } from '../../core/ports.js';
import { translateDynamoError } from './client.js';
import { conditionally } from './conditional-write.js';

/** Handled events, kept 30 days (TTL): long past any redelivery. */
const EVENT_RETENTION_S = 30 * 24 * 60 * 60;

export class DynamoEventLog implements EventLog {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async record(key: string, at: Date) {
    return conditionally(
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            PK: `EVENT#${key}`,
            SK: 'EVENT',
            entity: 'event',
            at: at.toISOString(),
            expiresAt: Math.floor(at.getTime() / 1000) + EVENT_RETENTION_S,
          },
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      ),
    );
  }

  async forget(key: string) {
    await this.client
      .send(
        new DeleteCommand({ TableName: this.tableName, Key: { PK: `EVENT#${key}`, SK: 'EVENT' } }),
      )
      .catch(translateDynamoError);
  }
}
