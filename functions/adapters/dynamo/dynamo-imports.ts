import {
  GetCommand,
  PutCommand,
  QueryCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { ImportJob, ImportJobRepository } from '../../core/subscribers/import-jobs.js';
import { translateDynamoError } from './client.js';
import { conditionally } from './conditional-write.js';
import { tableKeys } from './table.js';

const key = (id: string) => ({ PK: `IMPORT#${id}`, SK: 'IMPORT' });
/** GSI1 while queued or running, as an issue being sent is: a tick finds them with one Query. */
const ACTIVE = 'IMPORTS#active';

export class DynamoImportJobRepository implements ImportJobRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(id: string) {
    if (id.length > 64) return undefined;
    const { Item } = await this.client
      .send(new GetCommand({ TableName: this.tableName, Key: key(id), ConsistentRead: true }))
      .catch(translateDynamoError);
    return Item ? fromItem(Item) : undefined;
  }

  create(job: ImportJob) {
    return this.put(job, { ConditionExpression: 'attribute_not_exists(PK)' });
  }

  save(next: ImportJob) {
    return this.put(next, {
      ConditionExpression: 'version = :previous',
      ExpressionAttributeValues: { ':previous': next.version - 1 },
    });
  }

  async active() {
    const { Items = [] } = await this.client
      .send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: tableKeys.index,
          KeyConditionExpression: `${tableKeys.indexPartitionKey} = :active`,
          ExpressionAttributeValues: { ':active': ACTIVE },
        }),
      )
      .catch(translateDynamoError);
    return Items.map(fromItem);
  }

  private put(job: ImportJob, condition: object) {
    const active = job.state === 'queued' || job.state === 'running';
    const index = active
      ? { [tableKeys.indexPartitionKey]: ACTIVE, [tableKeys.indexSortKey]: job.id }
      : {};
    return conditionally(
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...key(job.id), ...index, entity: 'import', ...job },
          ...condition,
        }),
      ),
    );
  }
}

function fromItem(item: Record<string, unknown>): ImportJob {
  const { PK, SK, GSI1PK, GSI1SK, entity, ...job } = item;
  return job as ImportJob;
}
