import { GetCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { IssueRecord, IssueRepository } from '../../core/ports.js';
import { isConditionFailure, translateDynamoError } from './client.js';
import { tableKeys } from './table.js';

const key = (issueId: string) => ({ PK: `ISSUE#${issueId}`, SK: 'META' });
/** Issues being sent sit in one partition of the sparse index; a finished issue leaves it. */
const SENDING_PARTITION = 'ISSUES#sending';

export class DynamoIssueRepository implements IssueRepository {
  constructor(private readonly client: DynamoDBDocumentClient, private readonly tableName: string) {}

  async begin(issueId: string, articleSlug: string, at: Date): Promise<IssueRecord> {
    const { Attributes } = await this.client
      .send(new UpdateCommand({
        TableName: this.tableName,
        Key: key(issueId),
        UpdateExpression: 'SET entity = :entity, issueId = :id, articleSlug = :slug, #state = :sending, startedAt = if_not_exists(startedAt, :at), GSI1PK = :partition, GSI1SK = :id',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':entity': 'issue', ':id': issueId, ':slug': articleSlug, ':sending': 'sending', ':at': at.toISOString(), ':partition': SENDING_PARTITION },
        ReturnValues: 'ALL_NEW',
      }))
      .catch(translateDynamoError);
    return fromItem(Attributes!);
  }

  async acquireLease(issueId: string, owner: string, now: Date, until: Date): Promise<boolean> {
    try {
      await this.client.send(new UpdateCommand({
        TableName: this.tableName,
        Key: key(issueId),
        UpdateExpression: 'SET leaseOwner = :owner, leaseUntil = :until',
        ConditionExpression: 'attribute_exists(PK) AND (attribute_not_exists(leaseUntil) OR leaseUntil < :now OR leaseOwner = :owner)',
        ExpressionAttributeValues: { ':owner': owner, ':until': until.toISOString(), ':now': now.toISOString() },
      }));
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      return translateDynamoError(error);
    }
  }

  async finish(issueId: string, owner: string, summary: NonNullable<IssueRecord['summary']>, at: Date): Promise<void> {
    try {
      await this.client.send(new UpdateCommand({
        TableName: this.tableName,
        Key: key(issueId),
        UpdateExpression: 'SET #state = :sent, finishedAt = :at, summary = :summary REMOVE leaseOwner, leaseUntil, GSI1PK, GSI1SK',
        ConditionExpression: 'leaseOwner = :owner',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':sent': 'sent', ':at': at.toISOString(), ':summary': summary, ':owner': owner },
      }));
    } catch (error) {
      // Our lease ran out and another worker took over: it will finish the issue.
      if (!isConditionFailure(error)) translateDynamoError(error);
    }
  }

  async listSending(): Promise<IssueRecord[]> {
    const { Items = [] } = await this.client
      .send(new QueryCommand({
        TableName: this.tableName,
        IndexName: tableKeys.index,
        KeyConditionExpression: `${tableKeys.indexPartitionKey} = :partition`,
        ExpressionAttributeValues: { ':partition': SENDING_PARTITION },
      }))
      .catch(translateDynamoError);
    return Items.map(fromItem);
  }

  async get(issueId: string): Promise<IssueRecord | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: key(issueId), ConsistentRead: true })).catch(translateDynamoError);
    return Item ? fromItem(Item) : undefined;
  }
}

function fromItem(item: Record<string, unknown>): IssueRecord {
  const { PK, SK, GSI1PK, GSI1SK, entity, ...record } = item;
  return record as IssueRecord;
}
