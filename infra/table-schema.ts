/**
 * The deployed table's shape, derived from the one the code creates locally
 * (`createTableInput` in functions/adapters/dynamo/table.ts): keys, attribute types and the GSI
 * come from there, so the two cannot disagree. No `sst` globals here: the tests read it too.
 */
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { createTableInput, tableKeys } from '../functions/adapters/dynamo/table.js';

type FieldType = 'string' | 'number' | 'binary';

/** The arguments of `sst.aws.Dynamo`, as plain values. */
export type DynamoTableArgs = {
  fields: Record<string, FieldType>;
  primaryIndex: { hashKey: string; rangeKey?: string };
  globalIndexes: Record<
    string,
    { hashKey: string; rangeKey?: string; projection: 'all' | 'keys-only' | string[] }
  >;
  ttl: string;
};

const fieldTypes: Record<string, FieldType> = { S: 'string', N: 'number', B: 'binary' };

function keysOf(schema: { AttributeName?: string; KeyType?: string }[] | undefined, where: string) {
  const hashKey = schema?.find((k) => k.KeyType === 'HASH')?.AttributeName;
  const rangeKey = schema?.find((k) => k.KeyType === 'RANGE')?.AttributeName;
  if (!hashKey) throw new Error(`${where} has no HASH key`);
  return rangeKey ? { hashKey, rangeKey } : { hashKey };
}

/** Translates the SDK's CreateTable input into SST's Dynamo arguments. */
export function dynamoTableArgs(
  input: CreateTableCommandInput = createTableInput('unused'),
): DynamoTableArgs {
  if (input.BillingMode !== 'PAY_PER_REQUEST')
    throw new Error(
      'the table is on-demand (PAY_PER_REQUEST); sst.aws.Dynamo creates no other kind',
    );
  const fields: Record<string, FieldType> = {};
  for (const a of input.AttributeDefinitions ?? []) {
    const type = fieldTypes[a.AttributeType ?? ''];
    if (!a.AttributeName || !type)
      throw new Error(`attribute ${a.AttributeName} has an unknown type ${a.AttributeType}`);
    fields[a.AttributeName] = type;
  }
  const globalIndexes: DynamoTableArgs['globalIndexes'] = {};
  for (const index of input.GlobalSecondaryIndexes ?? []) {
    const where = `index ${index.IndexName}`;
    const projection =
      index.Projection?.ProjectionType === 'ALL'
        ? 'all'
        : index.Projection?.ProjectionType === 'KEYS_ONLY'
          ? 'keys-only'
          : (index.Projection?.NonKeyAttributes ?? []);
    globalIndexes[index.IndexName ?? ''] = { ...keysOf(index.KeySchema, where), projection };
  }
  return {
    fields,
    primaryIndex: keysOf(input.KeySchema, 'the table'),
    globalIndexes,
    ttl: tableKeys.ttl,
  };
}
