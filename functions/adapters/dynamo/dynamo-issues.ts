import {
  BatchGetCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
  paginateQuery,
} from '@aws-sdk/lib-dynamodb';
import type { Article } from '../../core/content/article.js';
import {
  noEngagement,
  zeroCounts,
  type DigestFrequency,
  type Engagement,
  type Issue,
  type IssueState,
  type ShardProgress,
} from '../../core/issues/issue.js';
import type { SendingHold } from '../../core/issues/sending-hold.js';
import type { IssueRepository } from '../../core/ports.js';
import { translateDynamoError, translated } from './client.js';
import { conditionally, unlessConditionFails } from './conditional-write.js';
import { addCounters } from './counter-update.js';
import { issueSnapshotItems } from './dynamo-issue-snapshots.js';
import { sendingHoldItem } from './dynamo-sending-hold.js';
import { tableKeys } from './table.js';

const pk = (id: string) => `ISSUE#${id}`;
/**
 * A digest's own item sits with the other digests of its frequency, sorted by period, so the
 * next period finds the latest one (and its cutoff) with one Query; its shards and counters stay
 * under `ISSUE#<id>` like any issue's. Only ids of the shape `startDigest` makes live there.
 */
const digestId = /^digest-(daily|weekly)-(\d{4}-(?:\d{2}-\d{2}|W\d{2}))$/;
const digestPartition = (frequency: DigestFrequency) => `DIGESTS#${frequency}`;
function metaKey(id: string) {
  const digest = digestId.exec(id);
  return digest
    ? { PK: digestPartition(digest[1] as DigestFrequency), SK: `PERIOD#${digest[2]}` }
    : { PK: pk(id), SK: 'META' };
}
export const shardSk = (shard: number) => `SHARD#${String(shard).padStart(2, '0')}`;
/** Issues sit in the index under their state, oldest first: a tick lists what is due with one Query. */
const statePartition = (state: IssueState) => `ISSUES#${state}`;
/**
 * An issue's engagement counters in parts, each its own partition: SES's events for a 500/s
 * send (a delivery each, then opens and clicks) would hold one item near a partition's 1,000
 * writes a second. `ISSUE#<id>`/`STATS` is where they were kept before, read still.
 */
const ENGAGEMENT_PARTS = 16;
const engagementKeys = (issueId: string) => [
  { PK: pk(issueId), SK: 'STATS' },
  ...Array.from({ length: ENGAGEMENT_PARTS }, (_, n) => ({
    PK: `STATS#${issueId}#${n}`,
    SK: 'ENGAGEMENT',
  })),
];

export class DynamoIssueRepository implements IssueRepository {
  private readonly hold: ReturnType<typeof sendingHoldItem>;
  private readonly snapshots: ReturnType<typeof issueSnapshotItems>;
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {
    this.hold = sendingHoldItem(client, tableName);
    this.snapshots = issueSnapshotItems(client, tableName);
  }

  create(issue: Issue) {
    return this.put(issue, { ConditionExpression: 'attribute_not_exists(PK)' });
  }

  async get(id: string): Promise<Issue | undefined> {
    // An id from a URL may be longer than any issue's, and as a key over DynamoDB's size limit it
    // would be a ValidationException, a 500: it cannot exist.
    if (id.length > 256) return undefined;
    const { Item } = await this.client
      .send(
        new GetCommand({
          TableName: this.tableName,
          Key: metaKey(id),
          ConsistentRead: true,
        }),
      )
      .catch(translateDynamoError);
    return Item ? (strip(Item) as Issue) : undefined;
  }

  save(next: Issue) {
    return this.put(next, {
      ConditionExpression: 'version = :previous',
      ExpressionAttributeValues: { ':previous': next.version - 1 },
    });
  }

  async latestDigest(frequency: DigestFrequency, period: string): Promise<Issue | undefined> {
    const { Items = [] } = await this.client
      .send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'PK = :pk AND SK < :period',
          ExpressionAttributeValues: {
            ':pk': digestPartition(frequency),
            ':period': `PERIOD#${period}`,
          },
          ScanIndexForward: false,
          Limit: 1,
          ConsistentRead: true,
        }),
      )
      .catch(translateDynamoError);
    return Items[0] ? (strip(Items[0]) as Issue) : undefined;
  }

  async listByState(state: IssueState, limit = 1000): Promise<Issue[]> {
    const found: Issue[] = [];
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: this.tableName,
        IndexName: tableKeys.index,
        KeyConditionExpression: `${tableKeys.indexPartitionKey} = :partition`,
        ExpressionAttributeValues: { ':partition': statePartition(state) },
      },
    );
    for await (const page of translated(pages)) {
      found.push(...(page.Items ?? []).map((item) => strip(item) as Issue));
      if (found.length >= limit) break;
    }
    // The index is eventually consistent: an issue that just moved on may still be listed here.
    return found.filter((i) => i.state === state).slice(0, limit);
  }

  async shards(issueId: string): Promise<ShardProgress[]> {
    const { Items = [] } = await this.client
      .send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :shard)',
          ExpressionAttributeValues: { ':pk': pk(issueId), ':shard': 'SHARD#' },
          ConsistentRead: true,
        }),
      )
      .catch(translateDynamoError);
    return Items.map((item) => strip(item) as ShardProgress);
  }

  async claimShard(
    issueId: string,
    shard: number,
    owner: string,
    now: Date,
    until: Date,
  ): Promise<ShardProgress | undefined> {
    const claimed = await unlessConditionFails(
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { PK: pk(issueId), SK: shardSk(shard) },
          // Every attribute by placeholder: several (shard, counts) are DynamoDB reserved words.
          UpdateExpression:
            'SET #entity = :entity, #issueId = :issue, #shard = :shard, #leaseOwner = :owner, #leaseUntil = :until, #done = if_not_exists(#done, :false), ' +
            '#counts = if_not_exists(#counts, :zero), #ambiguous = if_not_exists(#ambiguous, :empty), #failures = if_not_exists(#failures, :empty)',
          ConditionExpression:
            'attribute_not_exists(PK) OR (#done = :false AND (attribute_not_exists(#leaseUntil) OR #leaseUntil < :now OR #leaseOwner = :owner))',
          ExpressionAttributeNames: Object.fromEntries(
            [
              'entity',
              'issueId',
              'shard',
              'leaseOwner',
              'leaseUntil',
              'done',
              'counts',
              'ambiguous',
              'failures',
            ].map((n) => [`#${n}`, n]),
          ),
          ExpressionAttributeValues: {
            ':entity': 'shard',
            ':issue': issueId,
            ':shard': shard,
            ':owner': owner,
            ':until': until.toISOString(),
            ':now': now.toISOString(),
            ':false': false,
            ':zero': zeroCounts(),
            ':empty': [],
          },
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    return claimed && (strip(claimed.Attributes!) as ShardProgress);
  }

  async saveShard(progress: ShardProgress, owner: string): Promise<boolean> {
    return conditionally(
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            PK: pk(progress.issueId),
            SK: shardSk(progress.shard),
            entity: 'shard',
            ...progress,
            leaseOwner: owner,
          },
          ConditionExpression: '#leaseOwner = :owner',
          ExpressionAttributeNames: { '#leaseOwner': 'leaseOwner' },
          ExpressionAttributeValues: { ':owner': owner },
        }),
      ),
    );
  }

  /** One of the counter's parts, at random: every delivery, open and click of an issue lands here. */
  async addEngagement(issueId: string, change: Partial<Engagement>): Promise<void> {
    const add = addCounters(change);
    if (!add) return;
    await this.client
      .send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: engagementKeys(issueId)[1 + Math.floor(Math.random() * ENGAGEMENT_PARTS)],
          UpdateExpression: add.expression,
          ExpressionAttributeNames: add.names,
          ExpressionAttributeValues: add.values,
        }),
      )
      .catch(translateDynamoError);
  }

  /** The parts summed, with the single item counters were kept in before they were split. */
  async engagement(issueId: string): Promise<Engagement> {
    const stats = noEngagement();
    let keys: Record<string, unknown>[] = engagementKeys(issueId);
    while (keys.length > 0) {
      const { Responses, UnprocessedKeys } = await this.client
        .send(new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: keys } } }))
        .catch(translateDynamoError);
      for (const item of Responses?.[this.tableName] ?? [])
        for (const field of Object.keys(stats) as (keyof Engagement)[])
          stats[field] += Number(item[field] ?? 0);
      keys = UnprocessedKeys?.[this.tableName]?.Keys ?? [];
    }
    return stats;
  }

  sendingHold() {
    return this.hold.get();
  }
  holdSending(hold: SendingHold) {
    return this.hold.set(hold);
  }
  clearSendingHold() {
    return this.hold.clear();
  }
  snapshot(issueId: string) {
    return this.snapshots.get(issueId);
  }
  keepInSnapshot(issueId: string, article: Article) {
    return this.snapshots.keep(issueId, article);
  }

  private async put(
    issue: Issue,
    condition: { ConditionExpression: string; ExpressionAttributeValues?: Record<string, unknown> },
  ) {
    return conditionally(
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...metaKey(issue.id),
            GSI1PK: statePartition(issue.state),
            GSI1SK: `${issue.createdAt}#${issue.id}`,
            entity: 'issue',
            ...issue,
          },
          ...condition,
        }),
      ),
    );
  }
}

function strip(item: Record<string, unknown>) {
  const { PK, SK, GSI1PK, GSI1SK, entity, ...rest } = item;
  return rest;
}
