import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  UpdateCommand,
  paginateQuery,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { Issue, ShardProgress } from '../../core/issues/issue.js';
import type { ErasedTrail, ReaderTrail, SendReceipt } from '../../core/ports.js';
import { translateDynamoError, translated } from './client.js';
import { conditionally } from './conditional-write.js';
import { DomainError, ErrorCodes } from '../../core/errors.js';
import { DynamoIssueRepository, shardSk } from './dynamo-issues.js';
import { LEGACY_RECEIPT_PAGES, RECEIPT_PAGES } from './dynamo-ledger.js';
import {
  findCarrierItem,
  LegacyEntries,
  ledgerKey,
  ledgerPartitions,
  legacyLedgerKey,
  legacyPartition,
} from './ledger-partitions.js';
import { readerPartition, tableKeys } from './table.js';

/** Delivery keys and issues worked on at once: an erasure is rare, and should not crowd a send. */
const CONCURRENCY = 8;
/** Re-reads of an item a worker or an editor changed between the erasure's read and its write. */
const MAX_RACES = 5;
/** The lease owner an erasure leaves on a shard it changed: a worker holding it stops, as if it had crashed. */
const ERASURE = 'erasure';

/**
 * A reader's trail in the one table (see `ReaderTrail`). Every write is conditional on what was
 * read, so a worker sending the issue at the same moment is never overwritten: it loses its
 * shard's lease and the page is redone from the ledger, as after a crash.
 */
export class DynamoReaderTrail implements ReaderTrail {
  private readonly issues: DynamoIssueRepository;
  private readonly legacy: LegacyEntries;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {
    this.issues = new DynamoIssueRepository(client, tableName);
    this.legacy = new LegacyEntries(client, tableName);
  }

  async erase(subscriberId: string, issues: readonly Issue[]): Promise<ErasedTrail> {
    const erased: ErasedTrail = {
      ledgerEntries: 0,
      receiptsLanded: 0,
      receiptsRemoved: 0,
      issues: 0,
      shards: 0,
      auditEntries: 0,
      idempotencyRecords: 0,
      engagementRecords: 0,
    };
    const keys = [...new Set(issues.map((i) => i.deliveryKey))];
    await inParallel(keys, (key) => this.eraseEntries(key, subscriberId, erased));
    await inParallel(issues, (issue) => this.scrubIssue(issue.id, subscriberId, erased));
    await this.eraseNamed(subscriberId, erased);
    return erased;
  }

  /** The reader's entry of a delivery key, in its partition and in the one from before the split. */
  private async eraseEntries(deliveryKey: string, id: string, erased: ErasedTrail) {
    const places = [
      { at: ledgerKey, partitions: ledgerPartitions(deliveryKey), pages: RECEIPT_PAGES },
    ];
    if (await this.legacy.exist(deliveryKey))
      places.push({
        at: legacyLedgerKey,
        partitions: [legacyPartition(deliveryKey)],
        pages: LEGACY_RECEIPT_PAGES,
      });
    for (const place of places) {
      const key = place.at(deliveryKey, id);
      for (let race = 0; ; race++) {
        if (race === MAX_RACES) throw racing(`the ledger of ${deliveryKey}`);
        const { Item } = await this.client
          .send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }))
          .catch(translateDynamoError);
        if (!Item) break;
        // The entry may carry another reader's receipt, the only proof their send reached SES:
        // it lands on their own entry before this one goes.
        const carried = Item.previousSent as SendReceipt | undefined;
        if (carried && carried.subscriberId !== id) {
          if (await this.land(place.at(deliveryKey, carried.subscriberId), carried))
            erased.receiptsLanded++;
        }
        // The receipt of this reader's own send, carried by a later claim, goes from it first:
        // run again after a failure, the erasure finds it only while this reader's entry is there.
        const carrier = await findCarrierItem(
          this.client,
          this.tableName,
          place.partitions,
          id,
          place.pages,
        );
        if (carrier && (await this.removeReceipt(carrier, id))) erased.receiptsRemoved++;
        // Only the entry read: a claim written over it since may carry a receipt not yet landed.
        if (await this.deleteAsRead(key, Item)) {
          erased.ledgerEntries++;
          break;
        }
      }
    }
  }

  private deleteAsRead(Key: Record<string, string>, read: Record<string, unknown>) {
    const receipt = read.previousSent as SendReceipt | undefined;
    return conditionally(
      this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key,
          ConditionExpression: `#status = :status AND ${receipt ? 'previousSent.messageId = :receipt' : 'attribute_not_exists(previousSent)'}${read.attempt ? ' AND attempt = :attempt' : ''}`,
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':status': read.status,
            ...(receipt && { ':receipt': receipt.messageId }),
            ...(read.attempt ? { ':attempt': read.attempt } : {}),
          },
        }),
      ),
    );
  }

  /** Marks a claim sent from a receipt, as `markSent` would have; nothing if it is no longer a claim. */
  private land(Key: Record<string, string>, receipt: SendReceipt) {
    return conditionally(
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key,
          UpdateExpression:
            'SET #status = :sent, messageId = :message, sentAt = :at, GSI1PK = :history, GSI1SK = :at',
          ConditionExpression: '#status = :claimed',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':sent': 'sent',
            ':claimed': 'claimed',
            ':message': receipt.messageId,
            ':at': receipt.sentAt,
            ':history': `HISTORY#${receipt.subscriberId}`,
          },
        }),
      ),
    );
  }

  private removeReceipt(carrier: { PK: string; SK: string }, id: string) {
    return conditionally(
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { PK: carrier.PK, SK: carrier.SK },
          UpdateExpression: 'REMOVE previousSent',
          ConditionExpression: 'previousSent.subscriberId = :id',
          ExpressionAttributeValues: { ':id': id },
        }),
      ),
    );
  }

  /** Editors' decisions on the reader, and the shards' lists and cursors that name them. */
  private async scrubIssue(issueId: string, id: string, erased: ErasedTrail) {
    for (let race = 0; ; race++) {
      if (race === MAX_RACES) throw racing(`issue ${issueId}`);
      const issue = await this.issues.get(issueId);
      const resolutions = issue?.resolutions ?? [];
      if (!issue || !resolutions.some((r) => r.subscriberId === id)) break;
      const kept = resolutions.filter((r) => r.subscriberId !== id);
      if (await this.issues.save({ ...issue, resolutions: kept, version: issue.version + 1 })) {
        erased.issues++;
        break;
      }
    }
    for (let race = 0; ; race++) {
      if (race === MAX_RACES) throw racing(`the shards of issue ${issueId}`);
      const naming = (await this.issues.shards(issueId)).filter((s) => names(s, id));
      if (naming.length === 0) return;
      for (const shard of naming) if (await this.scrubShard(shard, id)) erased.shards++;
    }
  }

  /** Written only over the progress read: a page saved since means a re-read. */
  private scrubShard(shard: ShardProgress, id: string) {
    const kept: ShardProgress = {
      ...shard,
      ambiguous: shard.ambiguous.filter((a) => a !== id),
      failures: shard.failures.filter((f) => f.subscriberId !== id),
      ...(shard.ambiguousWhy && {
        ambiguousWhy: Object.fromEntries(
          Object.entries(shard.ambiguousWhy).filter(([reader]) => reader !== id),
        ),
      }),
      ...(shard.settled && { settled: shard.settled.filter((s) => s !== id) }),
      ...(shard.cursor && { cursor: cursorWithout(shard.cursor, id) }),
      // A worker still holding the shard loses it and redoes its page, without the reader.
      ...(!shard.done && { leaseOwner: ERASURE }),
    };
    const values: Record<string, unknown> = {
      ':done': shard.done,
      ':ambiguous': shard.ambiguous.length,
      ':failures': shard.failures.length,
    };
    // Every name by placeholder: several (cursor among them) are DynamoDB reserved words.
    const conditions = [
      '#done = :done',
      'size(#ambiguous) = :ambiguous',
      'size(#failures) = :failures',
    ];
    const same = (name: string, value: unknown) => {
      if (value === undefined) conditions.push(`attribute_not_exists(#${name})`);
      else {
        conditions.push(`#${name} = :${name}`);
        values[`:${name}`] = value;
      }
    };
    same('leaseOwner', shard.leaseOwner);
    same('leaseUntil', shard.leaseUntil);
    same('cursor', shard.cursor);
    if (shard.settled) {
      conditions.push('size(#settled) = :settled');
      values[':settled'] = shard.settled.length;
    } else conditions.push('attribute_not_exists(#settled)');
    return conditionally(
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            PK: `ISSUE#${shard.issueId}`,
            SK: shardSk(shard.shard),
            entity: 'shard',
            ...kept,
          },
          ConditionExpression: conditions.join(' AND '),
          ExpressionAttributeNames: Object.fromEntries(
            ['done', 'ambiguous', 'failures', 'settled', 'leaseOwner', 'leaseUntil', 'cursor'].map(
              (n) => [`#${n}`, n],
            ),
          ),
          ExpressionAttributeValues: values,
        }),
      ),
    );
  }

  /** Audit entries about the reader lose their id; idempotency records and their engagement go. */
  private async eraseNamed(id: string, erased: ErasedTrail) {
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: this.tableName,
        IndexName: tableKeys.index,
        KeyConditionExpression: `${tableKeys.indexPartitionKey} = :reader`,
        ExpressionAttributeValues: { ':reader': readerPartition(id) },
      },
    );
    for await (const page of translated(pages)) {
      for (const item of page.Items ?? []) {
        const Key = { PK: item.PK, SK: item.SK };
        if (item.entity === 'audit') {
          await this.client
            .send(
              new UpdateCommand({
                TableName: this.tableName,
                Key,
                UpdateExpression: 'SET targetErased = :yes REMOVE #target, GSI1PK, GSI1SK',
                ExpressionAttributeNames: { '#target': 'target' },
                ExpressionAttributeValues: { ':yes': true },
              }),
            )
            .catch(translateDynamoError);
          erased.auditEntries++;
        } else if (item.entity === 'idempotency' || item.entity === 'engagement') {
          await this.client
            .send(new DeleteCommand({ TableName: this.tableName, Key }))
            .catch(translateDynamoError);
          if (item.entity === 'engagement') erased.engagementRecords++;
          else erased.idempotencyRecords++;
        }
      }
    }
  }
}

/**
 * Lost the race to a send too often: the erasure stops with an error, before the record goes, so
 * the editor's retry (a moment later) finds the trail and finishes it.
 */
const racing = (what: string) =>
  new DomainError(
    ErrorCodes.unavailable,
    `The erasure kept meeting a send in progress (${what}); nothing is lost: try again in a minute.`,
    { reason: 'busy' },
  );

function names(shard: ShardProgress, id: string) {
  return (
    shard.ambiguous.includes(id) ||
    shard.failures.some((f) => f.subscriberId === id) ||
    (shard.ambiguousWhy !== undefined && id in shard.ambiguousWhy) ||
    (shard.settled?.includes(id) ?? false) ||
    (shard.cursor !== undefined && cursorWithout(shard.cursor, id) !== shard.cursor)
  );
}

/**
 * A shard's cursor is the recipients Query's last key (base64url JSON; dynamo-subscribers.ts).
 * One at the erased reader becomes the key of the id just before theirs: the Query goes on from
 * the same place, as no id lies between the two (ids are 24 base64url characters).
 */
export function cursorWithout(cursor: string, id: string): string {
  let key: Record<string, unknown>;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString());
  } catch {
    return cursor;
  }
  if (key.PK !== `SUBSCRIBER#${id}`) return cursor;
  const before = idBefore(id);
  const moved = { ...key, PK: `SUBSCRIBER#${before}`, ...('GSI1SK' in key && { GSI1SK: before }) };
  return Buffer.from(JSON.stringify(moved)).toString('base64url');
}

/** base64url's characters in byte order, which is DynamoDB's order of strings. */
const ORDER = '-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz';

/** The id of the same length just before `id`: its last character one lower, borrowing as needed. */
export function idBefore(id: string): string {
  const chars = [...id];
  for (let i = chars.length - 1; i >= 0; i--) {
    const at = ORDER.indexOf(chars[i]!);
    if (at > 0) {
      chars[i] = ORDER[at - 1]!;
      return chars.join('');
    }
    chars[i] = ORDER.at(-1)!;
  }
  return chars.join('');
}

async function inParallel<T>(items: readonly T[], work: (item: T) => Promise<void>) {
  for (let i = 0; i < items.length; i += CONCURRENCY)
    await Promise.all(items.slice(i, i + CONCURRENCY).map(work));
}
