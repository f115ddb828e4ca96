import { ScanCommand, type DynamoDBDocumentClient, paginateScan } from '@aws-sdk/lib-dynamodb';
import type {
  Directory,
  Page,
  SubscriberListQuery,
  SuppressionEntry,
  SuppressionReason,
} from '../../core/ports.js';
import { invalidInput } from '../../core/errors.js';
import type { Subscriber } from '../../core/subscribers/subscriber.js';
import { translateDynamoError, translated } from './client.js';
import { fromItem } from './dynamo-subscribers.js';
import { listSubscribers } from './subscriber-list.js';

const encode = (key: Record<string, unknown> | undefined) =>
  key ? Buffer.from(JSON.stringify(key)).toString('base64url') : undefined;
/**
 * A cursor comes back from a URL, so it is checked: a table key ({PK, SK} strings) or a 422 on
 * `cursor`. Unchecked, garbage was a JSON SyntaxError or a DynamoDB ValidationException: a 500.
 */
function decode(cursor: string | undefined): Record<string, string> | undefined {
  if (!cursor) return undefined;
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString());
  } catch {
    key = undefined;
  }
  const valid =
    typeof key === 'object' &&
    key !== null &&
    !Array.isArray(key) &&
    Object.keys(key).sort().join() === 'PK,SK' &&
    Object.values(key).every((v) => typeof v === 'string' && v.length > 0 && v.length <= 1024);
  if (!valid)
    throw invalidInput([{ field: 'cursor', message: 'is not a page cursor this list gave out' }]);
  return key as Record<string, string>;
}

/**
 * The editors' reads of whole lists. `list` (the workspace's and the API's subscriber lists and
 * searches) is a Query plan on the listing index, never a Scan; the CSV export and the suppression
 * list still Scan, an export reading everything by nature. The send pipeline and the public API
 * never get this adapter (and their functions no Scan permission).
 */
export class DynamoDirectory implements Directory {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Queries of the listing index (GSI3) merged in address order: see `listSubscribers`. */
  list(query: SubscriberListQuery): Promise<Page<Subscriber>> {
    return listSubscribers(this.client, this.tableName, query);
  }

  /** One page by hand, not `paginateScan`: the export hands the cursor to its next page. */
  async subscribers(cursor?: string, limit = 100): Promise<Page<Subscriber>> {
    const { Items = [], LastEvaluatedKey } = await this.client
      .send(
        new ScanCommand({
          TableName: this.tableName,
          FilterExpression: 'entity = :e',
          ExpressionAttributeValues: { ':e': 'subscriber' },
          Limit: limit,
          ExclusiveStartKey: decode(cursor),
        }),
      )
      .catch(translateDynamoError);
    return { items: Items.map(fromItem), cursor: encode(LastEvaluatedKey) };
  }

  async suppressions(): Promise<SuppressionEntry[]> {
    const found: SuppressionEntry[] = [];
    const pages = paginateScan(
      { client: this.client },
      {
        TableName: this.tableName,
        FilterExpression: 'entity = :e',
        ExpressionAttributeValues: { ':e': 'suppression' },
      },
    );
    for await (const page of translated(pages))
      found.push(
        ...(page.Items ?? []).map((i) => ({
          key: i.key as string,
          email: i.email as string | undefined,
          reason: i.reason as SuppressionReason,
          at: i.at as string,
        })),
      );
    return found.sort((a, b) => b.at.localeCompare(a.at));
  }
}
