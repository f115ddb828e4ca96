import { brotliCompressSync, brotliDecompressSync, constants, gunzipSync } from 'node:zlib';
import { PutCommand, paginateQuery, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Article } from '../../core/content/article.js';
import {
  ArticleTooLargeToKeep,
  MAX_SNAPSHOT_ITEM_BYTES,
} from '../../core/issues/snapshot-limits.js';
import { translated } from './client.js';
import { conditionally } from './conditional-write.js';

/**
 * The articles an issue sends, as its first render read them: one item per article beside the
 * issue's shards (`ISSUE#<id>` / `ARTICLE#<slug>`), compressed JSON. An article carries its text
 * three times (markdown, web HTML, email HTML), so it is brotli with a 16 MiB window, which finds
 * each copy in the one before (gzip's 32 KiB window compresses each alone, three times the size).
 * Items written gzipped (the first version of this) are still read.
 */
const snapshotSk = (slug: string) => `ARTICLE#${slug}`;

const compress = (json: string) =>
  brotliCompressSync(json, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: 5,
      [constants.BROTLI_PARAM_LGWIN]: 24,
      [constants.BROTLI_PARAM_SIZE_HINT]: Buffer.byteLength(json),
    },
  });

const decompress = (bytes: Uint8Array) =>
  (bytes[0] === 0x1f && bytes[1] === 0x8b
    ? gunzipSync(bytes)
    : brotliDecompressSync(bytes)
  ).toString('utf8');

export const issueSnapshotItems = (client: DynamoDBDocumentClient, tableName: string) => ({
  async get(issueId: string): Promise<Article[]> {
    const articles: Article[] = [];
    // Every page: a digest's articles can add up past a Query's 1 MB.
    const pages = paginateQuery(
      { client },
      {
        TableName: tableName,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :sk)',
        ExpressionAttributeValues: { ':pk': `ISSUE#${issueId}`, ':sk': 'ARTICLE#' },
        ConsistentRead: true,
      },
    );
    for await (const page of translated(pages))
      for (const item of page.Items ?? []) {
        const article = JSON.parse(decompress(item.article as Uint8Array));
        articles.push({ ...article, date: new Date(article.date) } as Article);
      }
    return articles;
  },
  /** Keeps the article unless the issue has one of that slug already (the first render's wins). */
  async keep(issueId: string, article: Article): Promise<boolean> {
    const compressed = compress(JSON.stringify(article));
    if (compressed.byteLength > MAX_SNAPSHOT_ITEM_BYTES)
      throw new ArticleTooLargeToKeep(article.slug, compressed.byteLength);
    return conditionally(
      client.send(
        new PutCommand({
          TableName: tableName,
          Item: {
            PK: `ISSUE#${issueId}`,
            SK: snapshotSk(article.slug),
            entity: 'issue-article',
            article: compressed,
          },
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      ),
    );
  },
});
