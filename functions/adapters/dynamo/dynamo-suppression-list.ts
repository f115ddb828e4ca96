import {
  BatchGetCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { SuppressionList, SuppressionReason } from '../../core/ports.js';
import { suppressionKeyOf } from '../../core/suppression-key.js';
import { translateDynamoError } from './client.js';
import { conditionally } from './conditional-write.js';

export const suppressionKey = (email: string) => ({
  PK: `SUPPRESSION#${suppressionKeyOf(email)}`,
  SK: 'SUPPRESSION',
});

export class DynamoSuppressionList implements SuppressionList {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async suppress(email: string, reason: SuppressionReason, at: Date) {
    // The first reason stands: a later "manual" does not hide that the address bounced.
    await conditionally(
      this.client.send(
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
      ),
    );
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
