import { DeleteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type {
  IdempotencyRecord,
  IdempotencyStore,
  StoredResponse,
} from '../../core/access/idempotency.js';
import { translateDynamoError } from './client.js';
import { putOrRead } from './conditional-write.js';
import { readerPartition } from './table.js';

/** Keys are remembered a day (TTL), the usual window for client retries. */
const RETENTION_S = 24 * 60 * 60;
const itemKey = (scope: string, key: string) => ({
  PK: `IDEMPOTENCY#${scope}#${key}`,
  SK: 'IDEMPOTENCY',
});

export class DynamoIdempotencyStore implements IdempotencyStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async claim(
    scope: string,
    key: string,
    bodyHash: string,
    at: Date,
  ): Promise<'claimed' | IdempotencyRecord> {
    const claim = await putOrRead(this.client, {
      TableName: this.tableName,
      Item: {
        ...itemKey(scope, key),
        entity: 'idempotency',
        bodyHash,
        at: at.toISOString(),
        expiresAt: Math.floor(at.getTime() / 1000) + RETENTION_S,
      },
      ConditionExpression: 'attribute_not_exists(PK)',
    });
    if (claim.written) return 'claimed';
    return {
      bodyHash: claim.existing?.bodyHash as string,
      response: claim.existing?.response as StoredResponse | undefined,
    };
  }

  async complete(scope: string, key: string, response: StoredResponse) {
    await this.client
      .send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: itemKey(scope, key),
          // A record about a reader joins the index under them: their erasure deletes it.
          UpdateExpression: response.reader
            ? 'SET #response = :response, GSI1PK = :reader, GSI1SK = :sk'
            : 'SET #response = :response',
          ExpressionAttributeNames: { '#response': 'response' },
          ExpressionAttributeValues: {
            ':response': response,
            ...(response.reader && {
              ':reader': readerPartition(response.reader),
              ':sk': `IDEMPOTENCY#${scope}#${key}`,
            }),
          },
        }),
      )
      .catch(translateDynamoError);
  }

  async release(scope: string, key: string) {
    await this.client
      .send(new DeleteCommand({ TableName: this.tableName, Key: itemKey(scope, key) }))
      .catch(translateDynamoError);
  }
}
