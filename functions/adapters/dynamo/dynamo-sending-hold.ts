import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { SendingHold } from '../../core/issues/sending-hold.js';
import { translateDynamoError } from './client.js';
import { conditionally } from './conditional-write.js';

/** The deployment's one sending hold: an item of its own, outside every index. */
const HOLD_KEY = { PK: 'HOLD#sending', SK: 'HOLD' } as const;

const holdOf = (item: Record<string, unknown> | undefined): SendingHold | undefined =>
  item
    ? { alarm: String(item.alarm), reason: String(item.reason), since: String(item.since) }
    : undefined;

/** The hold's reads and writes, for the issue repository (DynamoIssueRepository). */
export const sendingHoldItem = (client: DynamoDBDocumentClient, tableName: string) => ({
  async get(): Promise<SendingHold | undefined> {
    // Strongly consistent: a send starting just after the alarm's write must see it.
    const { Item } = await client
      .send(new GetCommand({ TableName: tableName, Key: HOLD_KEY, ConsistentRead: true }))
      .catch(translateDynamoError);
    return holdOf(Item);
  },
  set(hold: SendingHold): Promise<boolean> {
    return conditionally(
      client.send(
        new PutCommand({
          TableName: tableName,
          Item: { ...HOLD_KEY, entity: 'sending-hold', ...hold },
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      ),
    );
  },
  async clear(): Promise<SendingHold | undefined> {
    const { Attributes } = await client
      .send(new DeleteCommand({ TableName: tableName, Key: HOLD_KEY, ReturnValues: 'ALL_OLD' }))
      .catch(translateDynamoError);
    return holdOf(Attributes);
  },
});
