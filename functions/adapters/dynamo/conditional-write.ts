import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import {
  GetCommand,
  PutCommand,
  type DynamoDBDocumentClient,
  type PutCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { translateDynamoError } from './client.js';
import { tableKeys } from './table.js';

/** A condition that did not hold is an answer (already claimed, a newer version), not a fault. */
export const isConditionFailure = (error: unknown) =>
  (error as Error)?.name === 'ConditionalCheckFailedException';

/**
 * A conditional write's output, or `undefined` when its condition did not hold. Every other error
 * goes through `translateDynamoError` (a throttle becomes `unavailable`, the SDK's error its cause).
 */
export async function unlessConditionFails<T>(write: Promise<T>): Promise<T | undefined> {
  try {
    return await write;
  } catch (error) {
    if (isConditionFailure(error)) return undefined;
    return translateDynamoError(error);
  }
}

/** Whether a conditional write landed. */
export async function conditionally(write: Promise<unknown>): Promise<boolean> {
  return (await unlessConditionFails(write)) !== undefined;
}

export type PutOrRead =
  | { written: true }
  /** `existing` is undefined only if the item has gone again between the put and the read. */
  | { written: false; existing: Record<string, unknown> | undefined };

/**
 * A put under its condition (a claim: the first writer wins); when the condition does not hold,
 * the item in its place. DynamoDB returns it with the refusal (ReturnValuesOnConditionCheckFailure,
 * DynamoDB Local too); dynalite ignores the option, so there it is read, strongly consistent, so
 * it is the one that won.
 */
export async function putOrRead(
  client: DynamoDBDocumentClient,
  put: PutCommandInput & { Item: { PK: string; SK: string } },
): Promise<PutOrRead> {
  try {
    await client.send(new PutCommand({ ...put, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' }));
    return { written: true };
  } catch (error) {
    if (!isConditionFailure(error)) return translateDynamoError(error);
    // The refusing item comes back in DynamoDB's own (marshalled) form, even through lib-dynamodb.
    const refusing = (error as { Item?: Record<string, AttributeValue> }).Item;
    if (refusing) return { written: false, existing: unmarshall(refusing) };
  }
  const { Item } = await client
    .send(
      new GetCommand({
        TableName: put.TableName,
        Key: { [tableKeys.partitionKey]: put.Item.PK, [tableKeys.sortKey]: put.Item.SK },
        ConsistentRead: true,
      }),
    )
    .catch(translateDynamoError);
  return { written: false, existing: Item };
}
