import {
  DeleteCommand,
  PutCommand,
  QueryCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { SenderRegistry } from '../../core/delivery/deps.js';
import { translateDynamoError } from './client.js';

const SENDERS = 'SENDERS';

/**
 * The workers sending right now, one item each (`SENDERS`, `SENDER#<worker>`), renewed by its
 * worker's beat and live until `liveUntil`. A dead worker's item is simply not live any more;
 * `expiresAt` lets AWS's TTL sweep delete it eventually. One partition for a handful of workers
 * beating every few seconds is nowhere near a partition's limits.
 */
export class DynamoSenderRegistry implements SenderRegistry {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async beat(senderId: string, now: Date, until: Date): Promise<number> {
    await this.client
      .send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            PK: SENDERS,
            SK: `SENDER#${senderId}`,
            entity: 'sender',
            liveUntil: until.getTime(),
            expiresAt: Math.ceil(until.getTime() / 1000) + 3600,
          },
        }),
      )
      .catch(translateDynamoError);
    let live = 0;
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client
        .send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: 'PK = :pk',
            FilterExpression: 'liveUntil > :now',
            ExpressionAttributeValues: { ':pk': SENDERS, ':now': now.getTime() },
            ConsistentRead: true,
            ExclusiveStartKey,
          }),
        )
        .catch(translateDynamoError);
      live += page.Count ?? 0;
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return live;
  }

  async leave(senderId: string): Promise<void> {
    await this.client
      .send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { PK: SENDERS, SK: `SENDER#${senderId}` },
        }),
      )
      .catch(translateDynamoError);
  }
}
