import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  paginateQuery,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { DigestFrequency } from '../../core/issues/issue.js';
import type { SegmentStore } from '../../core/segments/ports.js';
import { SEGMENT_ID, type Segment } from '../../core/segments/segment.js';
import { translated, translateDynamoError } from './client.js';
import { conditionally } from './conditional-write.js';

const SEGMENTS = 'SEGMENTS';
const segmentKey = (id: string) => ({ PK: SEGMENTS, SK: `SEGMENT#${id}` });
/** A frequency's digest setting, beside the segments (the list reads `SEGMENT#` only). */
const digestKey = (frequency: DigestFrequency) => ({ PK: SEGMENTS, SK: `DIGEST#${frequency}` });

const strip = (item: Record<string, unknown>) => {
  const { PK, SK, entity, ...rest } = item;
  return rest as Segment;
};

/**
 * Segments in one small partition, as webhook endpoints are (an account has tens, each a few KB
 * at most): the list is one Query, a segment one GetItem. None carries index keys: a send reads
 * the copy its issue took, never this partition.
 */
export class DynamoSegmentStore implements SegmentStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async list(): Promise<Segment[]> {
    const items: Segment[] = [];
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: this.tableName,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :segment)',
        ExpressionAttributeValues: { ':pk': SEGMENTS, ':segment': 'SEGMENT#' },
        ConsistentRead: true,
      },
    );
    for await (const page of translated(pages))
      for (const item of page.Items ?? []) items.push(strip(item));
    return items;
  }

  async get(id: string): Promise<Segment | undefined> {
    if (!SEGMENT_ID.test(id)) return undefined;
    const { Item } = await this.client
      .send(
        new GetCommand({ TableName: this.tableName, Key: segmentKey(id), ConsistentRead: true }),
      )
      .catch(translateDynamoError);
    return Item ? strip(Item) : undefined;
  }

  create(segment: Segment): Promise<boolean> {
    return conditionally(
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...segmentKey(segment.id), entity: 'segment', ...segment },
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      ),
    );
  }

  save(next: Segment): Promise<boolean> {
    return conditionally(
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...segmentKey(next.id), entity: 'segment', ...next },
          ConditionExpression: 'version = :previous',
          ExpressionAttributeValues: { ':previous': next.version - 1 },
        }),
      ),
    );
  }

  async delete(id: string): Promise<boolean> {
    if (!SEGMENT_ID.test(id)) return false;
    const { Attributes } = await this.client
      .send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: segmentKey(id),
          ReturnValues: 'ALL_OLD',
        }),
      )
      .catch(translateDynamoError);
    return Attributes !== undefined;
  }

  async digestSegment(frequency: DigestFrequency): Promise<string | undefined> {
    const { Item } = await this.client
      .send(
        new GetCommand({
          TableName: this.tableName,
          Key: digestKey(frequency),
          ConsistentRead: true,
        }),
      )
      .catch(translateDynamoError);
    return Item?.segmentId as string | undefined;
  }

  async setDigestSegment(frequency: DigestFrequency, id: string | undefined): Promise<void> {
    const write = id
      ? this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: { ...digestKey(frequency), entity: 'digest-segment', segmentId: id },
          }),
        )
      : this.client.send(
          new DeleteCommand({ TableName: this.tableName, Key: digestKey(frequency) }),
        );
    await write.catch(translateDynamoError);
  }
}
