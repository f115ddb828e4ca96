import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { Session, SessionRepository } from '../../core/access/sessions.js';
import { translateDynamoError } from './client.js';

const key = (idHash: string) => ({ PK: `SESSION#${idHash}`, SK: 'SESSION' });

/** Sessions expire by their own `expiresAt` check; the TTL attribute lets DynamoDB sweep them. */
export class DynamoSessionRepository implements SessionRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async create(session: Session) {
    await this.client
      .send(
        new PutCommand({
          TableName: this.tableName,
          // The table's TTL attribute holds epoch seconds; the session keeps its ISO time beside it.
          Item: {
            ...key(session.idHash),
            entity: 'session',
            ...session,
            expiresAt: Math.floor(Date.parse(session.expiresAt) / 1000),
            expiresAtIso: session.expiresAt,
          },
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      )
      .catch(translateDynamoError);
  }

  async get(idHash: string) {
    const { Item } = await this.client
      .send(new GetCommand({ TableName: this.tableName, Key: key(idHash), ConsistentRead: true }))
      .catch(translateDynamoError);
    if (!Item) return undefined;
    const { PK: _pk, SK: _sk, entity: _e, expiresAt: _epoch, expiresAtIso, ...session } = Item;
    return { ...session, expiresAt: expiresAtIso } as Session;
  }

  async delete(idHash: string) {
    await this.client
      .send(new DeleteCommand({ TableName: this.tableName, Key: key(idHash) }))
      .catch(translateDynamoError);
  }
}
