import {
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { ApiKeyRecord, ApiKeyRepository } from '../../core/access/api-keys.js';
import { translateDynamoError } from './client.js';
import { conditionally } from './conditional-write.js';

/** All keys in one small partition, by hash: a lookup is one GetItem, a list one Query. */
const PK = 'APIKEYS';

export class DynamoApiKeyRepository implements ApiKeyRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async create(record: ApiKeyRecord) {
    await this.client
      .send(
        new PutCommand({
          TableName: this.tableName,
          Item: { PK, SK: record.hash, entity: 'apikey', ...record },
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      )
      .catch(translateDynamoError);
  }

  async get(hash: string) {
    const { Item } = await this.client
      .send(
        new GetCommand({ TableName: this.tableName, Key: { PK, SK: hash }, ConsistentRead: true }),
      )
      .catch(translateDynamoError);
    return Item ? strip(Item) : undefined;
  }

  async list() {
    const { Items = [] } = await this.client
      .send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'PK = :pk',
          ExpressionAttributeValues: { ':pk': PK },
        }),
      )
      .catch(translateDynamoError);
    return Items.map(strip);
  }

  async revoke(prefix: string, at: Date) {
    const match = (await this.list()).find((k) => k.prefix === prefix && !k.revokedAt);
    if (!match) return false;
    return conditionally(
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { PK, SK: match.hash },
          UpdateExpression: 'SET revokedAt = :at',
          ConditionExpression: 'attribute_exists(PK)',
          ExpressionAttributeValues: { ':at': at.toISOString() },
        }),
      ),
    );
  }

  async touch(hash: string, at: Date) {
    await this.client
      .send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { PK, SK: hash },
          UpdateExpression: 'SET lastUsedAt = :at',
          ExpressionAttributeValues: { ':at': at.toISOString() },
        }),
      )
      .catch(translateDynamoError);
  }
}

function strip(item: Record<string, unknown>): ApiKeyRecord {
  const { PK: _pk, SK: _sk, entity: _entity, ...record } = item;
  return record as ApiKeyRecord;
}
