import {
  GetCommand,
  PutCommand,
  paginateQuery,
  QueryCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import {
  revisionOf,
  type ArticleRevision,
  type RevisionSummary,
  type WorkspaceArticle,
} from '../../core/articles/article.js';
import type { WorkspaceArticleStore } from '../../core/articles/ports.js';
import { translated, translateDynamoError } from './client.js';
import { unlessConditionFails } from './conditional-write.js';

const ARTICLES = 'WORKSPACE_ARTICLES';
const articleKey = (slug: string) => ({ PK: ARTICLES, SK: `ARTICLE#${slug}` });
const revisionKey = (slug: string, number: number) => ({
  PK: `REVISIONS#${slug}`,
  SK: `REVISION#${String(number).padStart(10, '0')}`,
});

function toArticle(item: Record<string, unknown>) {
  const { PK, SK, entity, change, ...rest } = item;
  return { article: rest as WorkspaceArticle, change: String(change ?? '') };
}
const toRevision = (item: Record<string, unknown>) => {
  const { PK, SK, entity, ...rest } = item;
  return rest as ArticleRevision;
};
const summaryOf = ({ source: _source, ...summary }: ArticleRevision): RevisionSummary => summary;

/**
 * The list alone (one Query): what the catalog reads, so the functions that only serve articles
 * (the feeds) carry, and are granted, nothing else.
 */
export class DynamoWorkspaceArticleList {
  constructor(
    protected readonly client: DynamoDBDocumentClient,
    protected readonly tableName: string,
  ) {}

  async list(): Promise<WorkspaceArticle[]> {
    const articles: WorkspaceArticle[] = [];
    // A loop of QueryCommand rather than paginateQuery: the same pages, and the bundle's own
    // import names the one action the feeds are granted (tests/e2e/lambda-bundles.test.ts).
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.client
        .send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: 'PK = :pk AND begins_with(SK, :article)',
            ExpressionAttributeValues: { ':pk': ARTICLES, ':article': 'ARTICLE#' },
            ConsistentRead: true,
            ExclusiveStartKey: start,
          }),
        )
        .catch(translateDynamoError);
      for (const item of page.Items ?? []) articles.push(toArticle(item).article);
      start = page.LastEvaluatedKey;
    } while (start);
    return articles;
  }
}

/**
 * Workspace articles in one small partition (the catalog lists them with one Query), each with its
 * revisions in a partition of its own, newest last by sort key. DynamoDB would write the two in
 * one transaction, but dynalite (the local stack) has none, so a save is two puts: the article,
 * conditional on its version, then its revision. The article item keeps its last save's summary,
 * so if the process dies between the two the missing revision is read from the article while it
 * is current, and written by the next save (from the item that save replaces): no version's text
 * is ever lost from the history.
 */
export class DynamoWorkspaceArticleStore
  extends DynamoWorkspaceArticleList
  implements WorkspaceArticleStore
{
  async get(slug: string) {
    return (await this.item(slug))?.article;
  }

  async save(article: WorkspaceArticle, revision: ArticleRevision): Promise<boolean> {
    const put = await unlessConditionFails(
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...articleKey(article.slug),
            entity: 'article',
            ...article,
            change: revision.change,
          },
          ReturnValues: 'ALL_OLD',
          ...(article.version === 1
            ? { ConditionExpression: 'attribute_not_exists(PK)' }
            : {
                ConditionExpression: 'version = :previous',
                ExpressionAttributeValues: { ':previous': article.version - 1 },
              }),
        }),
      ),
    );
    if (!put) return false;
    // Only the save that won this version gets here: its revision is the one to keep.
    await this.putRevision(revision);
    if (put.Attributes) {
      const before = toArticle(put.Attributes);
      await this.putRevision(revisionOf(before.article, before.change), { ifAbsent: true });
    }
    return true;
  }

  async revisions(slug: string): Promise<RevisionSummary[]> {
    const summaries: RevisionSummary[] = [];
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: this.tableName,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :revision)',
        ExpressionAttributeValues: { ':pk': revisionKey(slug, 0).PK, ':revision': 'REVISION#' },
        // The texts stay behind: a history list needs who, when and what changed.
        ProjectionExpression: 'slug, #number, #state, publishAt, #at, #by, #change',
        ExpressionAttributeNames: {
          '#number': 'number',
          '#state': 'state',
          '#at': 'at',
          '#by': 'by',
          '#change': 'change',
        },
        ScanIndexForward: false,
        ConsistentRead: true,
      },
    );
    for await (const page of translated(pages))
      for (const item of page.Items ?? []) summaries.push(item as RevisionSummary);
    const current = await this.item(slug);
    if (current && (summaries[0]?.number ?? 0) < current.article.version)
      summaries.unshift(summaryOf(revisionOf(current.article, current.change)));
    return summaries;
  }

  async revision(slug: string, number: number) {
    const item = await this.read(revisionKey(slug, number));
    if (item) return toRevision(item);
    const current = await this.item(slug);
    return current?.article.version === number
      ? revisionOf(current.article, current.change)
      : undefined;
  }

  private async item(slug: string) {
    const item = await this.read(articleKey(slug));
    return item ? toArticle(item) : undefined;
  }

  private async read(Key: { PK: string; SK: string }) {
    const output = await this.client
      .send(new GetCommand({ TableName: this.tableName, Key, ConsistentRead: true }))
      .catch(translateDynamoError);
    return output.Item;
  }

  private async putRevision(revision: ArticleRevision, options: { ifAbsent?: boolean } = {}) {
    await unlessConditionFails(
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...revisionKey(revision.slug, revision.number),
            entity: 'articleRevision',
            ...revision,
          },
          ...(options.ifAbsent && { ConditionExpression: 'attribute_not_exists(PK)' }),
        }),
      ),
    );
  }
}
