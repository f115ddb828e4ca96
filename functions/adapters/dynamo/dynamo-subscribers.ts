import { createHash } from 'node:crypto';
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
  type QueryCommandInput,
  paginateQuery,
} from '@aws-sdk/lib-dynamodb';
import type { Page, RecipientQuery, SubscriberRepository } from '../../core/ports.js';
import { settledCounts, withoutOwed } from '../../core/subscribers/stats.js';
import {
  ACTIVITY_GRANULARITY_MS,
  ActivityAttributes,
  type Activity,
  recipientRange,
  recipientShardOf,
  type Subscriber,
} from '../../core/subscribers/subscriber.js';
import { translateDynamoError, translated } from './client.js';
import { conditionally, unlessConditionFails } from './conditional-write.js';
import { outboxIndexKeys } from './dynamo-outbox.js';
import { tableKeys } from './table.js';

export const subscriberKey = (id: string) => ({ PK: `SUBSCRIBER#${id}`, SK: 'PROFILE' });
const key = subscriberKey;
const COUNTS_KEY = { PK: 'STATS', SK: 'SUBSCRIBERS' };
const recipientsPartition = (shard: number) => `RECIPIENTS#${shard}`;

/**
 * The listing index (GSI3): every subscriber, whatever their state, under `LIST#<state>#<part>`
 * sorted by address (`<email>#<id>`, unique). Four parts per state so no one index partition key
 * takes all of a state's writes (an import, a signup burst: one key stops near 1,000 writes a
 * second); a listing merges them in address order (subscriber-list.ts).
 */
export const LIST_PARTS = 4;
export const listPartition = (state: string, part: number) => `LIST#${state}#${part}`;
const listPartOf = (id: string) => createHash('sha256').update(id).digest()[2]! % LIST_PARTS;
export const listIndexKeys = (subscriber: Pick<Subscriber, 'id' | 'email' | 'state'>) => ({
  [tableKeys.listPartitionKey]: listPartition(subscriber.state, listPartOf(subscriber.id)),
  [tableKeys.listSortKey]: `${subscriber.email.toLowerCase()}#${subscriber.id}`,
});

/** Ids are hashes; a longer one (from a URL) cannot exist. */
export const MAX_ID_LENGTH = 256;

export class DynamoSubscriberRepository implements SubscriberRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(id: string): Promise<Subscriber | undefined> {
    // As a key over DynamoDB's size limit, a longer id would fail as a ValidationException, a 500.
    if (id.length > MAX_ID_LENGTH) return undefined;
    const { Item } = await this.client
      .send(new GetCommand({ TableName: this.tableName, Key: key(id), ConsistentRead: true }))
      .catch(translateDynamoError);
    return Item ? fromItem(Item) : undefined;
  }

  async create(subscriber: Subscriber): Promise<boolean> {
    return this.put(subscriber, { ConditionExpression: 'attribute_not_exists(PK)' });
  }

  async save(next: Subscriber): Promise<boolean> {
    return this.put(next, {
      ConditionExpression: 'version = :previous',
      ExpressionAttributeValues: { ':previous': next.version - 1 },
    });
  }

  /**
   * One page, by hand rather than with `paginateQuery`: the send worker reads a page at a time on
   * purpose and keeps the cursor in its shard's progress, so a worker that dies resumes there.
   */
  async listRecipients(query: RecipientQuery): Promise<Page<Subscriber>> {
    const { Items = [], LastEvaluatedKey } = await this.client
      .send(
        new QueryCommand({
          ...this.recipientQuery(query),
          Limit: query.limit ?? 100,
          ExclusiveStartKey: query.cursor
            ? JSON.parse(Buffer.from(query.cursor, 'base64url').toString())
            : undefined,
        }),
      )
      .catch(translateDynamoError);
    return {
      items: Items.map(fromItem),
      cursor: LastEvaluatedKey
        ? Buffer.from(JSON.stringify(LastEvaluatedKey)).toString('base64url')
        : undefined,
    };
  }

  async delete(id: string): Promise<void> {
    const { Attributes } = await this.client
      .send(new DeleteCommand({ TableName: this.tableName, Key: key(id), ReturnValues: 'ALL_OLD' }))
      .catch(translateDynamoError);
    if (Attributes) await this.adjustCounts(fromItem(Attributes), undefined);
  }

  async counts(): Promise<Record<string, number>> {
    const { Item } = await this.client
      .send(new GetCommand({ TableName: this.tableName, Key: COUNTS_KEY }))
      .catch(translateDynamoError);
    const { PK: _pk, SK: _sk, entity: _e, ...counts } = Item ?? {};
    return counts as Record<string, number>;
  }

  /**
   * The dashboard's counters follow each write but a signup's (from the old image the write
   * returns: no extra read), with what a signup left owed on the record. Not in one transaction
   * with the write: a crash in between leaves a counter off by one, acceptable for a dashboard,
   * and dynalite has no transactions to offer anyway.
   */
  private async adjustCounts(before: Subscriber | undefined, after: Subscriber | undefined) {
    const delta = settledCounts(before, after);
    if (Object.keys(delta).length > 0) await this.addCounts(delta);
  }

  private async addCounts(counts: Record<string, number>) {
    const delta = Object.entries(counts);
    await this.client
      .send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: COUNTS_KEY,
          UpdateExpression: `ADD ${delta.map((_, i) => `#k${i} :v${i}`).join(', ')}`,
          ExpressionAttributeNames: Object.fromEntries(delta.map(([k], i) => [`#k${i}`, k])),
          ExpressionAttributeValues: Object.fromEntries(delta.map(([, v], i) => [`:v${i}`, v])),
        }),
      )
      .catch(translateDynamoError);
  }

  async countRecipients(query: Omit<RecipientQuery, 'cursor' | 'limit'>): Promise<number> {
    let count = 0;
    const pages = paginateQuery(
      { client: this.client },
      { ...this.recipientQuery(query), Select: 'COUNT' },
    );
    for await (const page of translated(pages)) count += page.Count ?? 0;
    return count;
  }

  private recipientQuery(query: Omit<RecipientQuery, 'cursor' | 'limit'>): QueryCommandInput {
    const range = recipientRange(query.shard, query.shards);
    const values: Record<string, unknown> = { ':pk': recipientsPartition(range.partition) };
    if (range.from) values[':from'] = range.from;
    if (range.to) values[':to'] = range.to;
    const topicTests = query.topics.map((topic, i) => {
      values[`:t${i}`] = topic;
      return `contains(topics, :t${i})`;
    });
    const filters = [`(${topicTests.join(' OR ')})`];
    if (query.frequencies) {
      const names = query.frequencies.map((f, i) => {
        values[`:f${i}`] = f;
        return `:f${i}`;
      });
      filters.push(`frequency IN (${names.join(', ')})`);
    }
    return {
      TableName: this.tableName,
      IndexName: tableKeys.index,
      KeyConditionExpression: `${tableKeys.indexPartitionKey} = :pk${idRange(range)}`,
      FilterExpression: filters.join(' AND '),
      ExpressionAttributeValues: values,
    };
  }

  async writeSignup(next: Subscriber, expected: number | 'none'): Promise<boolean> {
    const condition =
      expected === 'none'
        ? // Never holds: the write costs what a real one does and changes nothing.
          { ConditionExpression: 'attribute_not_exists(PK) AND attribute_exists(PK)' }
        : expected === 0
          ? { ConditionExpression: 'attribute_not_exists(PK)' }
          : {
              ConditionExpression: 'version = :previous',
              ExpressionAttributeValues: { ':previous': expected },
            };
    // One write and nothing else: the counters' change rides on the record (`countsOwed`, see
    // `owingCounts`) until its next write. Nothing comes back either, so a write that lands and
    // one that fails its condition carry the same bytes.
    return conditionally(
      this.client.send(
        new PutCommand({ TableName: this.tableName, Item: toItem(next), ...condition }),
      ),
    );
  }

  /**
   * One UpdateItem of the one attribute, conditional on the record existing (an erased reader's
   * late open makes no item) and on the kept value being absent or, for an open or click, older
   * than ACTIVITY_GRANULARITY_MS before this one (so out-of-order events never move it back).
   *
   * It leaves `version` alone, on purpose. Every other write is a whole-item Put conditioned on
   * the version its writer read (`save`, `writeSignup`): bumping it here would make an unsubscribe,
   * a signup or a bounce that read the record a moment before fail its condition and retry (or a
   * signup refuse) over nothing it cares about. The price is the other way round: such a Put,
   * made from a read taken before this update, writes back the value it read. Rare (the two must
   * meet within one read-and-write) and harmless: the reader's next first open or click of an
   * issue writes it again, and a rule misses at most that one day's activity meanwhile.
   */
  async noteActivity(id: string, activity: Activity, at: Date): Promise<boolean> {
    if (id.length > MAX_ID_LENGTH) return false;
    const kept =
      activity === 'sent'
        ? { ConditionExpression: 'attribute_exists(PK) AND attribute_not_exists(#a)' }
        : {
            ConditionExpression:
              'attribute_exists(PK) AND (attribute_not_exists(#a) OR #a < :stale)',
          };
    const stale = new Date(at.getTime() - ACTIVITY_GRANULARITY_MS).toISOString();
    return conditionally(
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key(id),
          UpdateExpression: 'SET #a = :at',
          ExpressionAttributeNames: { '#a': ActivityAttributes[activity] },
          ExpressionAttributeValues: {
            ':at': at.toISOString(),
            ...(activity === 'sent' ? {} : { ':stale': stale }),
          },
          ...kept,
        }),
      ),
    );
  }

  private async put(
    owing: Subscriber,
    condition: { ConditionExpression: string; ExpressionAttributeValues?: Record<string, unknown> },
  ) {
    const subscriber = withoutOwed(owing);
    const written = await unlessConditionFails(
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: toItem(subscriber),
          ReturnValues: 'ALL_OLD',
          ...condition,
        }),
      ),
    );
    if (!written) return false;
    const { Attributes } = written;
    await this.adjustCounts(Attributes ? fromItem(Attributes) : undefined, subscriber);
    return true;
  }
}

/** BETWEEN is inclusive, but no id equals a bound (one character), so it is [from, to). */
function idRange({ from, to }: { from?: string; to?: string }) {
  const id = tableKeys.indexSortKey;
  if (from && to) return ` AND ${id} BETWEEN :from AND :to`;
  if (from) return ` AND ${id} >= :from`;
  return to ? ` AND ${id} < :to` : '';
}

/**
 * The one place a subscriber becomes an item, so every write (signup, confirm, unsubscribe, a
 * change of topics or frequency, bounces, imports) keeps both indexes' keys in step with it.
 */
export function toItem(subscriber: Subscriber) {
  const recipientKeys =
    subscriber.state === 'confirmed'
      ? { GSI1PK: recipientsPartition(recipientShardOf(subscriber.id)), GSI1SK: subscriber.id }
      : {};
  return {
    ...key(subscriber.id),
    ...recipientKeys,
    ...listIndexKeys(subscriber),
    ...outboxIndexKeys('subscriber', subscriber.id, subscriber.outbox, subscriber.events?.[0]?.at),
    entity: 'subscriber',
    ...subscriber,
  };
}

export function fromItem(item: Record<string, unknown>): Subscriber {
  const { PK, SK, GSI1PK, GSI1SK, GSI2PK, GSI2SK, GSI3PK, GSI3SK, entity, ...subscriber } = item;
  return subscriber as Subscriber;
}
