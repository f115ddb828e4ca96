import { gunzipSync, gzipSync } from 'node:zlib';
import { PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Article } from '../../core/content/article.js';
import { translateDynamoError } from './client.js';
import { conditionally } from './conditional-write.js';

/**
 * The articles an issue sends, as its first render read them: one item per article beside the
 * issue's shards (`ISSUE#<id>` / `ARTICLE#<slug>`), gzipped JSON (an article is its markdown and
 * its HTML twice; a 48 KiB source then stays far below DynamoDB's 400 KB item).
 */
const snapshotSk = (slug: string) => `ARTICLE#${slug}`;

export const issueSnapshotItems = (client: DynamoDBDocumentClient, tableName: string) => ({
  async get(issueId: string): Promise<Article[]> {
    const { Items = [] } = await client
      .send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :sk)',
          ExpressionAttributeValues: { ':pk': `ISSUE#${issueId}`, ':sk': 'ARTICLE#' },
          ConsistentRead: true,
        }),
      )
      .catch(translateDynamoError);
    return Items.map((item) => {
      const article = JSON.parse(gunzipSync(item.article as Uint8Array).toString('utf8'));
      return { ...article, date: new Date(article.date) } as Article;
    });
  },
  /** Keeps the article unless the issue has one of that slug already (the first render's wins). */
  keep(issueId: string, article: Article): Promise<boolean> {
    return conditionally(
      client.send(
        new PutCommand({
          TableName: tableName,
          Item: {
            PK: `ISSUE#${issueId}`,
            SK: snapshotSk(article.slug),
            entity: 'issue-article',
            article: gzipSync(JSON.stringify(article)),
          },
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      ),
    );
  },
});
