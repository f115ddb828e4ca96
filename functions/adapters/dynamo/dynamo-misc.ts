import {
  BatchGetCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type {
  EventLog,
  PublicationLog,
  SuppressionList,
  SuppressionReason,
} from '../../core/ports.js';
import { suppressionKeyOf } from '../../core/suppression-key.js';
import { isConditionFailure, translateDynamoError } from './client.js';

const suppressionKey = (email: string) => ({
  PK: `SUPPRESSION#${suppressionKeyOf(email)}`,
  SK: 'SUPPRESSION',
});

export class DynamoSuppressionList implements SuppressionList {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async suppress(email: string, reason: SuppressionReason, at: Date) {
    try {
      // The first reason stands: a later "manual" does not hide that the address bounced.
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          // An erased reader leaves only the hash; other suppressions keep the address for editors.
          Item: {
            ...suppressionKey(email),
            entity: 'suppression',
            key: suppressionKeyOf(email),
            reason,
            at: at.toISOString(),
            email: reason === 'erased' ? undefined : email,
          },
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) translateDynamoError(error);
    }
  }

  async isSuppressed(email: string) {
    const { Item } = await this.client
      .send(
        new GetCommand({
          TableName: this.tableName,
          Key: suppressionKey(email),
          ConsistentRead: true,
        }),
      )
      .catch(translateDynamoError);
    return Item !== undefined;
  }

  async suppressedAmong(emails: readonly string[]): Promise<Set<string>> {
    const byKey = new Map(emails.map((email) => [suppressionKey(email).PK, email]));
    const found = new Set<string>();
    const keys = [...byKey.keys()];
    for (let i = 0; i < keys.length; i += 100) {
      let request: Record<string, { Keys: Record<string, unknown>[] }> | undefined = {
        [this.tableName]: { Keys: keys.slice(i, i + 100).map((PK) => ({ PK, SK: 'SUPPRESSION' })) },
      };
      for (let attempt = 0; request && Object.keys(request).length > 0; attempt++) {
        const result = await this.client
          .send(new BatchGetCommand({ RequestItems: request }))
          .catch(translateDynamoError);
        for (const item of result.Responses?.[this.tableName] ?? [])
          found.add(byKey.get(item.PK as string)!);
        request = result.UnprocessedKeys as typeof request;
        if (request && Object.keys(request).length > 0)
          await new Promise((r) => setTimeout(r, 50 * 2 ** Math.min(attempt, 5)));
      }
    }
    return found;
  }

  async remove(email: string) {
    await this.client
      .send(new DeleteCommand({ TableName: this.tableName, Key: suppressionKey(email) }))
      .catch(translateDynamoError);
  }
}

/** Handled events, kept 30 days (TTL): long past any redelivery. */
const EVENT_RETENTION_S = 30 * 24 * 60 * 60;

export class DynamoEventLog implements EventLog {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async record(key: string, at: Date) {
    try {
      await this.client.send(
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
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      return translateDynamoError(error);
    }
  }

  async forget(key: string) {
    await this.client
      .send(
        new DeleteCommand({ TableName: this.tableName, Key: { PK: `EVENT#${key}`, SK: 'EVENT' } }),
      )
      .catch(translateDynamoError);
  }
}

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
