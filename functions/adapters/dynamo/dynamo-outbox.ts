import {
  GetCommand,
  PutCommand,
  QueryCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { OutboxEntry } from '../../core/outbox/entry.js';
import { earliestQueued } from '../../core/outbox/oldest.js';
import type {
  OutboxHolder,
  OutboxListing,
  OutboxMessage,
  OutboxRef,
  OutboxStore,
} from '../../core/outbox/ports.js';
import type { Subscriber } from '../../core/subscribers/subscriber.js';
import { translateDynamoError } from './client.js';
import { conditionally } from './conditional-write.js';
import { tableKeys } from './table.js';

const partition = (state: 'queued' | 'sending' | 'failed' | 'events') => `OUTBOX#${state}`;
const messageKey = (id: string) => ({ PK: `OUTBOX#${id}`, SK: 'MESSAGE' });
/** A test send's item outlives its email by a week (TTL), for the editors' view. */
const MESSAGE_TTL_S = 7 * 24 * 60 * 60;

/**
 * The outbox index keys for an item holding `entry`: queued and in-flight entries sorted by when
 * they are due (a claim is "due" when it would count as abandoned), given-up ones by when. A sent
 * entry carries none, so the index holds only work and what an editor must see.
 *
 * A subscriber's webhook events not yet queued (`eventsAt`: the first one's time) are work too:
 * beside an entry in flight the entry's drain queues them first (the listing says so), and the
 * entry is sorted by its own due time only, so a record whose events cannot be queued never
 * holds a page of `due` for entries not due yet; with none in flight the record is under
 * `OUTBOX#events` until the sweep has queued them (a given-up entry is listed with the failed
 * again once they are).
 */
export function outboxIndexKeys(
  holder: OutboxHolder,
  id: string,
  entry: OutboxEntry | undefined,
  eventsAt?: string,
): { GSI2PK?: string; GSI2SK?: string } {
  const key = (pk: Parameters<typeof partition>[0], at: string) => ({
    GSI2PK: partition(pk),
    GSI2SK: `${at}#${holder}#${id}`,
  });
  if (entry?.state === 'queued' || entry?.state === 'sending') return key(entry.state, entry.dueAt);
  if (eventsAt) return key('events', eventsAt);
  if (entry?.state === 'failed') return key('failed', entry.failedAt ?? entry.dueAt);
  return {};
}

export class DynamoOutboxStore implements OutboxStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async due(now: Date, limit: number): Promise<OutboxListing[]> {
    const upTo = `${now.toISOString()}#~`;
    const [queued, abandoned] = await Promise.all([
      this.query(partition('queued'), limit, { upTo }),
      this.query(partition('sending'), limit, { upTo }),
    ]);
    return [...abandoned, ...queued].slice(0, limit);
  }

  async oldestWaiting(): Promise<string | undefined> {
    const firsts = await Promise.all([
      this.query(partition('queued'), 1, {}),
      this.query(partition('sending'), 1, {}),
    ]);
    return earliestQueued(firsts.flat());
  }

  async withEvents(limit: number): Promise<OutboxRef[]> {
    const items = await this.items(partition('events'), limit, {});
    return items.map((item) => ({ holder: 'subscriber', id: String(item.id) }));
  }

  failed(limit: number): Promise<OutboxListing[]> {
    return this.query(partition('failed'), limit, { newestFirst: true });
  }

  async getMessage(id: string): Promise<OutboxMessage | undefined> {
    const { Item } = await this.client
      .send(
        new GetCommand({ TableName: this.tableName, Key: messageKey(id), ConsistentRead: true }),
      )
      .catch(translateDynamoError);
    return Item ? (messageFromItem(Item) as OutboxMessage) : undefined;
  }

  createMessage(message: OutboxMessage): Promise<boolean> {
    return this.putMessage(message, { ConditionExpression: 'attribute_not_exists(PK)' });
  }

  saveMessage(next: OutboxMessage): Promise<boolean> {
    return this.putMessage(next, {
      ConditionExpression: 'version = :previous',
      ExpressionAttributeValues: { ':previous': next.version - 1 },
    });
  }

  private putMessage(
    message: OutboxMessage,
    condition: { ConditionExpression: string; ExpressionAttributeValues?: Record<string, unknown> },
  ) {
    const expiresAt = Math.floor(Date.parse(message.outbox.queuedAt) / 1000) + MESSAGE_TTL_S;
    return conditionally(
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...messageKey(message.id),
            ...outboxIndexKeys('message', message.id, message.outbox),
            entity: 'outbox-message',
            [tableKeys.ttl]: expiresAt,
            ...message,
          },
          ...condition,
        }),
      ),
    );
  }

  private async query(
    pk: string,
    limit: number,
    options: { upTo?: string; newestFirst?: boolean },
  ): Promise<OutboxListing[]> {
    return (await this.items(pk, limit, options)).flatMap(listingOf);
  }

  private async items(
    pk: string,
    limit: number,
    options: { upTo?: string; newestFirst?: boolean },
  ): Promise<Record<string, unknown>[]> {
    const { Items = [] } = await this.client
      .send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: tableKeys.outboxIndex,
          KeyConditionExpression: options.upTo
            ? `${tableKeys.outboxPartitionKey} = :pk AND ${tableKeys.outboxSortKey} <= :upTo`
            : `${tableKeys.outboxPartitionKey} = :pk`,
          ExpressionAttributeValues: options.upTo
            ? { ':pk': pk, ':upTo': options.upTo }
            : { ':pk': pk },
          ScanIndexForward: !options.newestFirst,
          Limit: limit,
        }),
      )
      .catch(translateDynamoError);
    return Items;
  }
}

function messageFromItem(item: Record<string, unknown>) {
  const { PK, SK, GSI2PK, GSI2SK, entity, expiresAt, ...message } = item;
  return message;
}

function listingOf(item: Record<string, unknown>): OutboxListing[] {
  if (item.entity === 'subscriber') {
    const s = item as unknown as Subscriber;
    const eventsPending = (s.events?.length ?? 0) > 0;
    return s.outbox
      ? [{ holder: 'subscriber', id: s.id, to: s.email, entry: s.outbox, eventsPending }]
      : [];
  }
  const m = messageFromItem(item) as OutboxMessage;
  return [{ holder: 'message', id: m.id, to: m.message.to, entry: m.outbox }];
}
