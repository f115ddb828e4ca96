import { randomUUID } from 'node:crypto';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type {
  ClaimDecision,
  DeliveryLedger,
  LedgerEntry,
  SendReceipt,
  SentEntry,
} from '../../core/ports.js';
import { translateDynamoError } from './client.js';
import { conditionally, putOrRead } from './conditional-write.js';
import { DomainError, ErrorCodes } from '../../core/errors.js';
import { asEntry, DynamoSendHistory } from './dynamo-send-history.js';
import {
  findCarrier,
  ledgerKey as key,
  ledgerPartitions,
  legacyLedgerKey,
} from './ledger-partitions.js';

/** BatchWriteItem's limit. */
const BATCH = 25;
/**
 * How far findReceipt reads in each partition, page by page: the carrier is a few entries on, and
 * 32 partitions' first 16 cover ~500 entries of the key in id order.
 */
export const RECEIPT_PAGES = [16, 64];
/** The same, in a partition from before the split: it holds every reader of its key. */
export const LEGACY_RECEIPT_PAGES = Array.from({ length: 10 }, () => 100);
/** Rounds of BatchWriteItem's unprocessed items before markSent gives up (the claims keep their receipts). */
const MAX_BATCH_ATTEMPTS = 8;

/**
 * What an editor needs to decide on an ambiguous reader: the entry, its receipt if a later claim
 * carries one, and the decision's conditional write. The admin function's part of the ledger
 * (it never claims or sends, so it carries no BatchWriteItem).
 */
export class DynamoLedgerReview
  extends DynamoSendHistory
  implements Pick<DeliveryLedger, 'history' | 'entry' | 'findReceipt' | 'resolveClaim'>
{
  async entry(deliveryKey: string, subscriberId: string): Promise<LedgerEntry | undefined> {
    const { Item } = await this.client
      .send(
        new GetCommand({
          TableName: this.tableName,
          Key: key(deliveryKey, subscriberId),
          ConsistentRead: true,
        }),
      )
      .catch(translateDynamoError);
    const found = Item ?? (await this.legacy.entry(deliveryKey, subscriberId));
    return found && asEntry(found);
  }

  /** Conditional on the claim decided on: a worker that claimed the reader since is never overwritten. */
  async resolveClaim(
    deliveryKey: string,
    subscriberId: string,
    attempt: string | undefined,
    decision: ClaimDecision,
  ): Promise<boolean> {
    if (await this.resolveAt(key(deliveryKey, subscriberId), subscriberId, attempt, decision))
      return true;
    if (!(await this.legacy.exist(deliveryKey))) return false;
    return this.resolveAt(
      legacyLedgerKey(deliveryKey, subscriberId),
      subscriberId,
      attempt,
      decision,
    );
  }

  private resolveAt(
    Key: Record<string, string>,
    subscriberId: string,
    attempt: string | undefined,
    decision: ClaimDecision,
  ): Promise<boolean> {
    const condition = {
      Key,
      ConditionExpression: `#status = :claimed AND ${attempt ? '#attempt = :attempt' : 'attribute_not_exists(#attempt)'}`,
      ExpressionAttributeNames: { '#status': 'status', '#attempt': 'attempt' },
    };
    const values = { ':claimed': 'claimed', ...(attempt && { ':attempt': attempt }) };
    const at = decision.at.toISOString();
    const command =
      decision.resolution === 'release'
        ? new DeleteCommand({
            TableName: this.tableName,
            ...condition,
            ExpressionAttributeValues: values,
          })
        : new UpdateCommand({
            TableName: this.tableName,
            ...condition,
            UpdateExpression:
              'SET #status = :sent, sentAt = :at, resolvedBy = :by, resolvedReason = :reason, GSI1PK = :history, GSI1SK = :at',
            ExpressionAttributeValues: {
              ...values,
              ':sent': 'sent',
              ':at': at,
              ':by': decision.by,
              ':reason': decision.reason.slice(0, 500),
              ':history': `HISTORY#${subscriberId}`,
            },
          });
    return conditionally(this.client.send(command as never));
  }

  /** Reads forward from the subscriber's own entry, in every partition, for the claim that carries its receipt. */
  async findReceipt(deliveryKey: string, subscriberId: string): Promise<SendReceipt | undefined> {
    const found = await findCarrier(
      this.client,
      this.tableName,
      ledgerPartitions(deliveryKey),
      subscriberId,
      RECEIPT_PAGES,
    );
    if (found || !(await this.legacy.exist(deliveryKey))) return found;
    const { PK } = legacyLedgerKey(deliveryKey, subscriberId);
    return findCarrier(this.client, this.tableName, [PK], subscriberId, LEGACY_RECEIPT_PAGES);
  }
}

export class DynamoDeliveryLedger extends DynamoLedgerReview implements DeliveryLedger {
  /**
   * A conditional put carrying a fresh attempt id. The SDK retries a write whose answer was lost
   * (a 5xx, a dropped connection, a timeout); that retry fails its condition on the claim the
   * first try made, and the attempt id shows it is this claim. DynamoDB returns the refusing item
   * with the refusal (ReturnValuesOnConditionCheckFailure, DynamoDB Local too); dynalite ignores
   * the option, so without it the entry is read.
   */
  async claim(
    deliveryKey: string,
    subscriberId: string,
    issueId: string,
    at: Date,
    previousSent?: SendReceipt,
    attempt: string = randomUUID(),
  ): Promise<'claimed' | LedgerEntry> {
    // Nothing writes entries from before the split any more, so one read first is enough.
    const legacy = await this.legacy.entry(deliveryKey, subscriberId);
    if (legacy && legacy.status !== 'failed') return asEntry(legacy);
    const claim = await putOrRead(this.client, {
      TableName: this.tableName,
      Item: {
        ...key(deliveryKey, subscriberId),
        entity: 'ledger',
        deliveryKey,
        subscriberId,
        issueId,
        status: 'claimed',
        claimedAt: at.toISOString(),
        ...(previousSent && { previousSent }),
        attempt,
      },
      // A definite failure (SES said no) may be retried; a claim or a send may not.
      ConditionExpression: 'attribute_not_exists(PK) OR #status = :failed',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':failed': 'failed' },
    });
    if (claim.written) return 'claimed';
    const { PK, SK, entity, ...entry } = claim.existing ?? {};
    if (entry.status === 'claimed' && entry.attempt === attempt) return 'claimed';
    return entry as LedgerEntry;
  }

  /**
   * Whole items put 25 to a BatchWriteItem: the entries are this worker's own claims, so nothing
   * else can have changed them. Sent entries join the sparse index under their reader: a
   * subscriber's history is one Query. The receipt each claim carried stays, so a batch cut short
   * never erases the proof of a send whose own mark did not land.
   */
  async markSent(deliveryKey: string, sent: SentEntry[]) {
    for (let start = 0; start < sent.length; start += BATCH) {
      let requests: Record<string, unknown>[] = sent.slice(start, start + BATCH).map((entry) => ({
        PutRequest: {
          Item: {
            ...key(deliveryKey, entry.subscriberId),
            entity: 'ledger',
            deliveryKey,
            ...entry,
            status: 'sent',
            GSI1PK: `HISTORY#${entry.subscriberId}`,
            GSI1SK: entry.sentAt,
          },
        },
      }));
      for (let attempt = 0; requests.length > 0; attempt++) {
        if (attempt >= MAX_BATCH_ATTEMPTS)
          throw new DomainError(
            ErrorCodes.unavailable,
            `DynamoDB left ${requests.length} ledger marks unprocessed ${attempt} times`,
            { reason: 'throttled' },
          );
        if (attempt > 0)
          await new Promise((r) => setTimeout(r, Math.min(25 * 2 ** attempt, 2_000)));
        const { UnprocessedItems } = await this.client
          .send(new BatchWriteCommand({ RequestItems: { [this.tableName]: requests } }))
          .catch(translateDynamoError);
        requests = (UnprocessedItems?.[this.tableName] ?? []) as Record<string, unknown>[];
      }
    }
  }

  /** BatchGetItem, 100 keys a request (its limit); what DynamoDB leaves unprocessed is asked again. */
  async receivedAmong(deliveryKey: string, subscriberIds: readonly string[]): Promise<Set<string>> {
    const received = new Set<string>();
    const all = subscriberIds.map((id) => key(deliveryKey, id));
    if (await this.legacy.exist(deliveryKey))
      all.push(...subscriberIds.map((id) => legacyLedgerKey(deliveryKey, id)));
    for (let from = 0; from < all.length; from += 100) {
      let keys: Record<string, unknown>[] = all.slice(from, from + 100);
      for (let round = 0; keys.length > 0; round++) {
        if (round > 0) await new Promise((r) => setTimeout(r, Math.min(25 * 2 ** round, 2_000)));
        const { Responses, UnprocessedKeys } = await this.client
          .send(
            new BatchGetCommand({
              RequestItems: {
                [this.tableName]: {
                  Keys: keys,
                  ConsistentRead: true,
                  ProjectionExpression: 'subscriberId, #status',
                  ExpressionAttributeNames: { '#status': 'status' },
                },
              },
            }),
          )
          .catch(translateDynamoError);
        for (const entry of Responses?.[this.tableName] ?? [])
          if (entry.status !== 'failed') received.add(entry.subscriberId as string);
        keys = UnprocessedKeys?.[this.tableName]?.Keys ?? [];
      }
    }
    return received;
  }

  async markFailed(deliveryKey: string, subscriberId: string, reason: string, at: Date) {
    await this.update(
      deliveryKey,
      subscriberId,
      'SET #status = :failed, failure = :reason, failedAt = :at',
      { ':failed': 'failed', ':reason': reason.slice(0, 500), ':at': at.toISOString() },
    );
  }

  async release(deliveryKey: string, subscriberId: string) {
    await conditionally(
      this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: key(deliveryKey, subscriberId),
          ConditionExpression: '#status = :claimed',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':claimed': 'claimed' },
        }),
      ),
    );
  }

  private async update(
    deliveryKey: string,
    subscriberId: string,
    expression: string,
    values: Record<string, unknown>,
  ) {
    await this.client
      .send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key(deliveryKey, subscriberId),
          UpdateExpression: expression,
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: values,
        }),
      )
      .catch(translateDynamoError);
  }
}
