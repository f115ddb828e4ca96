import { PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { LiveSenders, SenderKind, SenderRegistry } from '../../core/delivery/deps.js';
import { translateDynamoError } from './client.js';

const SENDERS = 'SENDERS';

/**
 * The senders sending right now, one item each (`SENDERS`, `SENDER#<sender>`, its `kind`: bulk
 * when absent), renewed by its sender's beat and live until `liveUntil`. A dead sender's item is
 * simply not live any more; `expiresAt` lets AWS's TTL sweep delete it eventually. One partition
 * for a handful of senders beating every few seconds is nowhere near a partition's limits.
 */
export class DynamoSenderRegistry implements SenderRegistry {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async beat(
    senderId: string,
    now: Date,
    until: Date,
    kind: SenderKind = 'bulk',
  ): Promise<LiveSenders> {
    await this.client
      .send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            PK: SENDERS,
            SK: `SENDER#${senderId}`,
            entity: 'sender',
            kind,
            liveUntil: until.getTime(),
            expiresAt: Math.ceil(until.getTime() / 1000) + 3600,
          },
        }),
      )
      .catch(translateDynamoError);
    const live: LiveSenders = { bulk: 0, transactional: 0 };
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client
        .send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: 'PK = :pk',
            FilterExpression: 'liveUntil > :now',
            ExpressionAttributeValues: { ':pk': SENDERS, ':now': now.getTime() },
            ProjectionExpression: '#kind',
            ExpressionAttributeNames: { '#kind': 'kind' },
            ConsistentRead: true,
            ExclusiveStartKey,
          }),
        )
        .catch(translateDynamoError);
      for (const item of page.Items ?? [])
        live[item.kind === 'transactional' ? 'transactional' : 'bulk']++;
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return live;
  }
}
