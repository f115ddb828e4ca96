import {
  GetCommand,
  PutCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
  paginateQuery,
} from '@aws-sdk/lib-dynamodb';
import type { ArticleApproval, PublicationLog, PublishedArticle } from '../../core/ports.js';
import { translateDynamoError, translated } from './client.js';
import { conditionally, putOrRead } from './conditional-write.js';

/**
 * One small partition: the baseline, each published article (with its approval, when it waits for
 * one: the same item, so deciding is one conditional update), each digest's cutoff.
 */
const PUBLICATIONS = 'PUBLICATIONS';
const articleKey = (slug: string) => ({ PK: PUBLICATIONS, SK: `ARTICLE#${slug}` });

const publishedOf = (item: Record<string, unknown>): PublishedArticle => ({
  slug: item.slug as string,
  publishedAt: item.publishedAt as string,
  ...(item.approval ? { approval: item.approval as ArticleApproval } : {}),
  ...(item.decidedBy ? { decidedBy: item.decidedBy as string } : {}),
  ...(item.decidedAt ? { decidedAt: item.decidedAt as string } : {}),
});

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

  async markPublished(slug: string, at: Date, options: { waiting?: boolean } = {}) {
    return conditionally(
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...articleKey(slug),
            entity: 'published',
            slug,
            publishedAt: at.toISOString(),
            ...(options.waiting ? { approval: 'waiting' } : {}),
          },
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      ),
    );
  }

  async published() {
    const found: PublishedArticle[] = [];
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: this.tableName,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :article)',
        ExpressionAttributeValues: { ':pk': PUBLICATIONS, ':article': 'ARTICLE#' },
        ConsistentRead: true,
      },
    );
    for await (const page of translated(pages)) found.push(...(page.Items ?? []).map(publishedOf));
    return found;
  }

  async publishedArticle(slug: string) {
    const { Item } = await this.client
      .send(
        new GetCommand({ TableName: this.tableName, Key: articleKey(slug), ConsistentRead: true }),
      )
      .catch(translateDynamoError);
    return Item ? publishedOf(Item) : undefined;
  }

  async decide(slug: string, decision: 'approved' | 'dismissed', by: string, at: Date) {
    return conditionally(
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: articleKey(slug),
          UpdateExpression: 'SET approval = :decision, decidedBy = :by, decidedAt = :at',
          ConditionExpression: 'approval = :waiting',
          ExpressionAttributeValues: {
            ':decision': decision,
            ':by': by,
            ':at': at.toISOString(),
            ':waiting': 'waiting',
          },
        }),
      ),
    );
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
