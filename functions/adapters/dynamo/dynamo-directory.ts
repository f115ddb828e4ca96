import { ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Directory, Page, SuppressionEntry, SuppressionReason } from '../../core/ports.js';
import type { Subscriber } from '../../core/subscribers/subscriber.js';
import { translateDynamoError } from './client.js';
import { fromItem } from './dynamo-subscribers.js';

const encode = (key: Record<string, unknown> | undefined) => (key ? Buffer.from(JSON.stringify(key)).toString('base64url') : undefined);
const decode = (cursor: string | undefined) => (cursor ? JSON.parse(Buffer.from(cursor, 'base64url').toString()) : undefined);

/**
 * Filtered Scans for the editors' workspace only: an export reads everything by nature. The send
 * pipeline and the public API never get this adapter (and their functions no Scan permission).
 */
export class DynamoDirectory implements Directory {
  constructor(private readonly client: DynamoDBDocumentClient, private readonly tableName: string) {}

  async subscribers(cursor?: string, limit = 100): Promise<Page<Subscriber>> {
    const { Items = [], LastEvaluatedKey } = await this.client
      .send(new ScanCommand({ TableName: this.tableName, FilterExpression: 'entity = :e', ExpressionAttributeValues: { ':e': 'subscriber' }, Limit: limit, ExclusiveStartKey: decode(cursor) }))
      .catch(translateDynamoError);
    return { items: Items.map(fromItem), cursor: encode(LastEvaluatedKey) };
  }

  async suppressions(): Promise<SuppressionEntry[]> {
    const found: SuppressionEntry[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.client
        .send(new ScanCommand({ TableName: this.tableName, FilterExpression: 'entity = :e', ExpressionAttributeValues: { ':e': 'suppression' }, ExclusiveStartKey: start }))
        .catch(translateDynamoError);
      found.push(...(page.Items ?? []).map((i) => ({ key: i.key as string, email: i.email as string | undefined, reason: i.reason as SuppressionReason, at: i.at as string })));
      start = page.LastEvaluatedKey;
    } while (start);
    return found.sort((a, b) => b.at.localeCompare(a.at));
  }
}
