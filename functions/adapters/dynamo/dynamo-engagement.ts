import { createHash } from 'node:crypto';
import {
  GetCommand,
  paginateQuery,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type {
  EngagementStore,
  LinkEngagement,
  ReaderEngagement,
  ReaderMarks,
} from '../../core/ports.js';
import { translated, translateDynamoError } from './client.js';
import { addCounters } from './counter-update.js';
import { readerPartition, tableKeys } from './table.js';

/**
 * Engagement by reader and by link in the one table:
 *
 * - a reader's item per issue, `ENGAGE#<issueId>#<subscriberId>`/`READER`, its own partition (a
 *   send's events touch a different one each), in the index under `READER#<subscriberId>` (sorted
 *   `ENGAGE#<issueId>`): the reader's history is one Query, and their erasure finds it there;
 * - a link's counters in parts, `LINKS#<issueId>#<0-15>`/`LINK#<hash>`, each part its own
 *   partition as the issue's counters are: a popular link clicked by a whole list is no hot key.
 */
const LINK_PARTS = 16;
const readerKey = (issueId: string, subscriberId: string) => ({
  PK: `ENGAGE#${issueId}#${subscriberId}`,
  SK: 'READER',
});
const linkHash = (link: string) =>
  createHash('sha256').update(link).digest('base64url').slice(0, 22);

export class DynamoEngagementStore implements EngagementStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Sets what every write of the reader's item sets: who, which issue, and its index keys. */
  private update(
    issueId: string,
    subscriberId: string,
    expression: { set: string[]; add?: string[]; condition?: string },
    values: Record<string, unknown>,
    names: Record<string, string> = {},
  ) {
    const set = [
      'entity = :entity',
      'issueId = :issue',
      'subscriberId = :reader',
      'GSI1PK = :gsi1pk',
      'GSI1SK = :gsi1sk',
      ...expression.set,
    ];
    return this.client
      .send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: readerKey(issueId, subscriberId),
          UpdateExpression: `SET ${set.join(', ')}${expression.add?.length ? ` ADD ${expression.add.join(', ')}` : ''}`,
          ...(Object.keys(names).length && { ExpressionAttributeNames: names }),
          ExpressionAttributeValues: {
            ':entity': 'engagement',
            ':issue': issueId,
            ':reader': subscriberId,
            ':gsi1pk': readerPartition(subscriberId),
            ':gsi1sk': `ENGAGE#${issueId}`,
            ...values,
          },
          ReturnValues: 'UPDATED_OLD',
        }),
      )
      .catch(translateDynamoError);
  }

  async delivered(issueId: string, subscriberId: string, at: Date) {
    await this.update(
      issueId,
      subscriberId,
      { set: ['deliveredAt = if_not_exists(deliveredAt, :at)'] },
      { ':at': at.toISOString() },
    );
  }

  async marks(issueId: string, subscriberId: string): Promise<ReaderMarks> {
    const { Item } = await this.client
      .send(
        new GetCommand({
          TableName: this.tableName,
          Key: readerKey(issueId, subscriberId),
          ProjectionExpression: 'deliveredAt, hiddenLinkAt',
        }),
      )
      .catch(translateDynamoError);
    const date = (value: unknown) => (typeof value === 'string' ? new Date(value) : undefined);
    return {
      ...(Item?.deliveredAt && { deliveredAt: date(Item.deliveredAt) }),
      ...(Item?.hiddenLinkAt && { hiddenLinkAt: date(Item.hiddenLinkAt) }),
    };
  }

  async hiddenLinkFollowed(issueId: string, subscriberId: string, at: Date) {
    await this.update(
      issueId,
      subscriberId,
      { set: ['hiddenLinkAt = if_not_exists(hiddenLinkAt, :at)'] },
      { ':at': at.toISOString() },
    );
  }

  /** The old `openedAt` comes back only if there was one: its absence is the first open. */
  async opened(issueId: string, subscriberId: string, at: Date) {
    const { Attributes } = await this.update(
      issueId,
      subscriberId,
      { set: ['openedAt = if_not_exists(openedAt, :at)'], add: ['opens :one'] },
      { ':at': at.toISOString(), ':one': 1 },
    );
    return Attributes?.openedAt === undefined;
  }

  /** Each click is kept (link and when); the set of links clicked tells a link's first click. */
  async clicked(issueId: string, subscriberId: string, link: string, at: Date) {
    const { Attributes } = await this.update(
      issueId,
      subscriberId,
      {
        set: ['clickLog = list_append(if_not_exists(clickLog, :empty), :click)'],
        add: ['clickedLinks :links'],
      },
      {
        ':empty': [],
        ':click': [{ link, at: at.toISOString() }],
        ':links': new Set([link || '(none)']),
      },
    );
    const before = Attributes?.clickedLinks as Set<string> | undefined;
    return {
      firstOfIssue: before === undefined,
      firstOfLink: !before?.has(link || '(none)'),
    };
  }

  async addLinkClicks(
    issueId: string,
    link: string,
    change: Partial<Omit<LinkEngagement, 'link'>>,
  ) {
    const add = addCounters(change);
    if (!add) return;
    await this.client
      .send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: {
            PK: `LINKS#${issueId}#${Math.floor(Math.random() * LINK_PARTS)}`,
            SK: `LINK#${linkHash(link)}`,
          },
          UpdateExpression: `SET link = :link ${add.expression}`,
          ExpressionAttributeNames: add.names,
          ExpressionAttributeValues: { ':link': link, ...add.values },
        }),
      )
      .catch(translateDynamoError);
  }

  /** The parts summed, most clicked first. */
  async links(issueId: string): Promise<LinkEngagement[]> {
    const byLink = new Map<string, LinkEngagement>();
    const parts = await Promise.all(
      Array.from({ length: LINK_PARTS }, (_, n) => this.part(`LINKS#${issueId}#${n}`)),
    );
    for (const item of parts.flat()) {
      const link = String(item.link);
      const sum = byLink.get(link) ?? { link, clicks: 0, uniqueClickers: 0, botClicks: 0 };
      sum.clicks += Number(item.clicks ?? 0);
      sum.uniqueClickers += Number(item.uniqueClickers ?? 0);
      sum.botClicks += Number(item.botClicks ?? 0);
      byLink.set(link, sum);
    }
    return [...byLink.values()].sort((a, b) => b.clicks - a.clicks || b.botClicks - a.botClicks);
  }

  private async part(PK: string) {
    const items: Record<string, unknown>[] = [];
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: this.tableName,
        KeyConditionExpression: 'PK = :pk',
        ExpressionAttributeValues: { ':pk': PK },
      },
    );
    for await (const page of translated(pages)) items.push(...(page.Items ?? []));
    return items;
  }

  async history(subscriberId: string, limit = 100): Promise<ReaderEngagement[]> {
    const { Items = [] } = await this.client
      .send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: tableKeys.index,
          KeyConditionExpression: `${tableKeys.indexPartitionKey} = :reader AND begins_with(${tableKeys.indexSortKey}, :engage)`,
          ExpressionAttributeValues: {
            ':reader': readerPartition(subscriberId),
            ':engage': 'ENGAGE#',
          },
          Limit: limit,
        }),
      )
      .catch(translateDynamoError);
    return Items.map((item) => ({
      issueId: String(item.issueId),
      ...(item.deliveredAt && { deliveredAt: String(item.deliveredAt) }),
      ...(item.openedAt && { openedAt: String(item.openedAt) }),
      opens: Number(item.opens ?? 0),
      clicks: (item.clickLog as ReaderEngagement['clicks'] | undefined) ?? [],
    })).sort((a, b) => latest(b).localeCompare(latest(a)));
  }
}

const latest = (e: ReaderEngagement) =>
  [e.deliveredAt ?? '', e.openedAt ?? '', ...e.clicks.map((c) => c.at)].sort().at(-1)!;
