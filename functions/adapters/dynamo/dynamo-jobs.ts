import {
  GetCommand,
  PutCommand,
  QueryCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { isOpen, type Job } from '../../core/jobs/job.js';
import type { JobRepository } from '../../core/jobs/ports.js';
import { translateDynamoError } from './client.js';
import { conditionally } from './conditional-write.js';
import { tableKeys } from './table.js';

/** A finished job (and its report) is kept for 30 days, then DynamoDB's TTL removes it. */
const KEEP_FINISHED_SECONDS = 30 * 86_400;
const OPEN = 'JOBS#open';

const key = (id: string) => ({ [tableKeys.partitionKey]: `JOB#${id}`, [tableKeys.sortKey]: 'JOB' });

/**
 * One item per job, the job itself under `job`. GSI1 lists a kind's jobs newest first
 * (`JOBS#<kind>`, sorted by creation); GSI2 holds the open ones only (`JOBS#open`, sorted by when
 * they are due), so a runner finds work with one Query however many jobs have finished.
 */
export class DynamoJobRepository implements JobRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  create(job: Job): Promise<boolean> {
    return conditionally(
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: this.item(job),
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      ),
    );
  }

  async get(id: string): Promise<Job | undefined> {
    const { Item } = await this.client
      .send(new GetCommand({ TableName: this.tableName, Key: key(id), ConsistentRead: true }))
      .catch(translateDynamoError);
    return Item?.job as Job | undefined;
  }

  save(next: Job): Promise<boolean> {
    return conditionally(
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: this.item(next),
          ConditionExpression: 'version = :previous',
          ExpressionAttributeValues: { ':previous': next.version - 1 },
        }),
      ),
    );
  }

  async due(now: Date, limit = 10): Promise<Job[]> {
    const { Items = [] } = await this.client
      .send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: tableKeys.outboxIndex,
          KeyConditionExpression: '#pk = :pk AND #sk <= :now',
          ExpressionAttributeNames: {
            '#pk': tableKeys.outboxPartitionKey,
            '#sk': tableKeys.outboxSortKey,
          },
          ExpressionAttributeValues: { ':pk': OPEN, ':now': now.toISOString() },
          Limit: limit,
        }),
      )
      .catch(translateDynamoError);
    return Items.map((i) => i.job as Job);
  }

  async list(kind: string, limit = 20): Promise<Job[]> {
    const { Items = [] } = await this.client
      .send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: tableKeys.index,
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': tableKeys.indexPartitionKey },
          ExpressionAttributeValues: { ':pk': `JOBS#${kind}` },
          ScanIndexForward: false,
          Limit: limit,
        }),
      )
      .catch(translateDynamoError);
    return Items.map((i) => i.job as Job);
  }

  private item(job: Job) {
    const open = isOpen(job);
    // A dead runner's job is due again when its lease runs out, not before.
    const dueAt = job.lease && job.lease.until > job.dueAt ? job.lease.until : job.dueAt;
    return {
      ...key(job.id),
      entity: 'job',
      version: job.version,
      [tableKeys.indexPartitionKey]: `JOBS#${job.kind}`,
      [tableKeys.indexSortKey]: `${job.createdAt}#${job.id}`,
      ...(open ? { [tableKeys.outboxPartitionKey]: OPEN, [tableKeys.outboxSortKey]: dueAt } : {}),
      ...(job.finishedAt
        ? { [tableKeys.ttl]: Math.floor(Date.parse(job.finishedAt) / 1000) + KEEP_FINISHED_SECONDS }
        : {}),
      job,
    };
  }
}
