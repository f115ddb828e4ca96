import {
  GetCommand,
  PutCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
  paginateQuery,
} from '@aws-sdk/lib-dynamodb';
import type { PublicationLog } from '../../core/ports.js';
import { translateDynamoError, translated } from './client.js';
import { conditionally, putOrRead } from './conditional-write.js';

/** One small partition: the baseline, each published article, each digest's cutoff. */
const PUBLICATIONS = 'PUBLICATIONS';

export class DynamoPublicationLog implements PublicationLog {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async baseline(slugs: readonly string[], at: Date): Promise<string[]> {
    const first = await putOrRead(this.client, {
      TableName: this.tableName,
      Item: {
        PK: PUBLICATIONS,
        SK: 'BASELINE',
        entity: 'baseline',
        slugs: [...slugs],
        at: at.toISOString(),
      },
      ConditionExpression: 'attribute_not_exists(PK)',
    });
    if (first.written) return [...slugs];
    return (first.existing?.slugs as string[]) ?? [];
  }

  async markPublished(slug: string, at: Date) {
    return conditionally(
      this.client.send(
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
      ),
    );
  }

  async published() {
    const found: { slug: string; publishedAt: string }[] = [];
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: this.tableName,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :article)',
        ExpressionAttributeValues: { ':pk': PUBLICATIONS, ':article': 'ARTICLE#' },
        ConsistentRead: true,
      },
    );
    for await (const page of translated(pages))
      found.push(
        ...(page.Items ?? []).map((i) => ({
          slug: i.slug as string,
          publishedAt: i.publishedAt as string,
        })),
      );
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
    await conditionally(
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { PK: PUBLICATIONS, SK: `DIGEST#${frequency}` },
          UpdateExpression: 'SET cutoff = :to, entity = :entity',
          ConditionExpression: 'attribute_not_exists(cutoff) OR cutoff < :to',
          ExpressionAttributeValues: { ':to': to, ':entity': 'digest-cutoff' },
        }),
      ),
    );
  }
}
