import {
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { PublicationLog } from '../../core/ports.js';
import { isConditionFailure, translateDynamoError } from './client.js';

/** One small partition: the baseline, each published article, each digest's cutoff. */
const PUBLICATIONS = 'PUBLICATIONS';

export class DynamoPublicationLog implements PublicationLog {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async baseline(slugs: readonly string[], at: Date): Promise<string[]> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            PK: PUBLICATIONS,
            SK: 'BASELINE',
            entity: 'baseline',
            slugs: [...slugs],
            at: at.toISOString(),
          },
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      );
      return [...slugs];
    } catch (error) {
      if (!isConditionFailure(error)) return translateDynamoError(error);
    }
    const { Item } = await this.client
      .send(
        new GetCommand({
          TableName: this.tableName,
          Key: { PK: PUBLICATIONS, SK: 'BASELINE' },
          ConsistentRead: true,
        }),
      )
      .catch(translateDynamoError);
    return (Item?.slugs as string[]) ?? [];
  }

  async markPublished(slug: string, at: Date) {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            PK: PUBLICATIONS,
            SK: `ARTICLE#${slug}`,
            entity: 'published',
            slug,
            publishedAt: at.toISOString(),
          },
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      return translateDynamoError(error);
    }
  }

  async published() {
    const found: { slug: string; publishedAt: string }[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.client
        .send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: 'PK = :pk AND begins_with(SK, :article)',
            ExpressionAttributeValues: { ':pk': PUBLICATIONS, ':article': 'ARTICLE#' },
            ConsistentRead: true,
            ExclusiveStartKey: start,
          }),
        )
        .catch(translateDynamoError);
      found.push(
        ...(page.Items ?? []).map((i) => ({
          slug: i.slug as string,
          publishedAt: i.publishedAt as string,
        })),
      );
      start = page.LastEvaluatedKey;
    } while (start);
    return found;
  }

  async digestCutoff(frequency: string) {
    const { Item } = await this.client
      .send(
        new GetCommand({
          TableName: this.tableName,
          Key: { PK: PUBLICATIONS, SK: `DIGEST#${frequency}` },
          ConsistentRead: true,
        }),
      )
      .catch(translateDynamoError);
    return Item?.cutoff as string | undefined;
  }

  async advanceDigestCutoff(frequency: string, to: string) {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { PK: PUBLICATIONS, SK: `DIGEST#${frequency}` },
          UpdateExpression: 'SET cutoff = :to, entity = :entity',
          ConditionExpression: 'attribute_not_exists(cutoff) OR cutoff < :to',
          ExpressionAttributeValues: { ':to': to, ':entity': 'digest-cutoff' },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) translateDynamoError(error);
    }
  }
}
