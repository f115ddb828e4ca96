import {
  BatchGetCommand,
  DeleteCommand,
  PutCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { SuppressionList, SuppressionReason } from '../../core/ports.js';
import type { SuppressionKeys } from '../../core/suppression-key.js';
import { translateDynamoError } from './client.js';
import { conditionally } from './conditional-write.js';

export const suppressionItemKey = (key: string) => ({
  PK: `SUPPRESSION#${key}`,
  SK: 'SUPPRESSION',
});

/** BatchGetItem's limit. */
const BATCH = 100;

export class DynamoSuppressionList implements SuppressionList {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly keys: SuppressionKeys,
  ) {}

  /**
   * The first reason stands: a later "manual" does not hide that the address bounced. An erasure
   * is the exception that rewrites: the entry keeps its reason and date but loses the address,
   * and an entry under a superseded key moves to the current one, so the keyed hash is all that
   * remains of the reader.
   */
  async suppress(email: string, reason: SuppressionReason, at: Date) {
    const found = await this.stored([email]);
    const current = this.keys.current(email);
    if (reason !== 'erased') {
      if (found.length > 0) return;
      await conditionally(
        this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: this.item(current, reason, at.toISOString(), email),
            ConditionExpression: 'attribute_not_exists(PK)',
          }),
        ),
      );
      return;
    }
    const first = found.find((f) => f.key === current) ?? found[0];
    await this.client
      .send(
        new PutCommand({
          TableName: this.tableName,
          Item: this.item(
            current,
            (first?.reason as SuppressionReason | undefined) ?? 'erased',
            (first?.at as string | undefined) ?? at.toISOString(),
          ),
        }),
      )
      .catch(translateDynamoError);
    await this.delete(found.map((f) => f.key).filter((key) => key !== current));
  }

  async isSuppressed(email: string) {
    return (await this.stored([email])).length > 0;
  }

  /** Eventually consistent: a send's page may miss a suppression made in the last second. */
  async suppressedAmong(emails: readonly string[]): Promise<Set<string>> {
    const found = await this.stored(emails, false);
    return new Set(found.map((f) => f.email));
  }

  async remove(email: string) {
    await this.delete(this.keys.all(email));
  }

  /** The stored entries of these addresses under any of their keys, with the address each is for. */
  private async stored(emails: readonly string[], consistent = true) {
    const byKey = new Map(emails.flatMap((email) => this.keys.all(email).map((k) => [k, email])));
    const found: { key: string; email: string; reason?: unknown; at?: unknown }[] = [];
    const all = [...byKey.keys()];
    for (let i = 0; i < all.length; i += BATCH) {
      let keys: Record<string, unknown>[] = all.slice(i, i + BATCH).map(suppressionItemKey);
      for (let attempt = 0; keys.length > 0; attempt++) {
        if (attempt > 0) await new Promise((r) => setTimeout(r, 50 * 2 ** Math.min(attempt, 5)));
        const result = await this.client
          .send(
            new BatchGetCommand({
              RequestItems: { [this.tableName]: { Keys: keys, ConsistentRead: consistent } },
            }),
          )
          .catch(translateDynamoError);
        for (const item of result.Responses?.[this.tableName] ?? []) {
          const key = (item.PK as string).slice('SUPPRESSION#'.length);
          found.push({ key, email: byKey.get(key)!, reason: item.reason, at: item.at });
        }
        keys = result.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
      }
    }
    return found;
  }

  /** One DeleteItem per key, at once: an address has two or three keys, never a batch's worth. */
  private async delete(keys: string[]) {
    await Promise.all(
      keys.map((key) =>
        this.client
          .send(new DeleteCommand({ TableName: this.tableName, Key: suppressionItemKey(key) }))
          .catch(translateDynamoError),
      ),
    );
  }

  /** Other suppressions keep the address for editors; an erased reader's keeps none. */
  private item(key: string, reason: SuppressionReason, at: string, email?: string) {
    return {
      ...suppressionItemKey(key),
      entity: 'suppression',
      key,
      reason,
      at,
      ...(email ? { email } : {}),
    };
  }
}
