import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceInUseException,
  type DynamoDBClientConfig,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DomainError, ErrorCodes } from '../../core/errors.js';
import { LeanDocumentClient } from './lean-client.js';
import { createTableInput } from './table.js';

/**
 * The document client; build one per process and share it (the composition root does, with the
 * timeouts every AWS client gets). The endpoint comes from the SDK's own
 * `AWS_ENDPOINT_URL_DYNAMODB` when set (the local stack, tests), so the same code talks to AWS
 * when it is not.
 */
export function createDocumentClient(config: DynamoDBClientConfig = {}): DynamoDBDocumentClient {
  const handler = (config.requestHandler ?? {}) as {
    connectionTimeout?: number;
    requestTimeout?: number;
  };
  return new LeanDocumentClient(new DynamoDBClient(config), {
    endpoint: typeof config.endpoint === 'string' ? config.endpoint : undefined,
    maxAttempts: typeof config.maxAttempts === 'number' ? config.maxAttempts : undefined,
    connectionTimeout: handler.connectionTimeout,
    requestTimeout: handler.requestTimeout,
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}

/** Creates the table if it is missing (local stack and tests; on AWS, infra owns the table). */
export async function ensureTable(
  client: DynamoDBDocumentClient,
  tableName: string,
): Promise<void> {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return;
  } catch (error) {
    if ((error as Error).name !== 'ResourceNotFoundException') throw error;
  }
  try {
    await client.send(new CreateTableCommand(createTableInput(tableName)));
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  for (let i = 0; i < 100; i++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (
      Table?.TableStatus === 'ACTIVE' &&
      Table.GlobalSecondaryIndexes?.every((g) => g.IndexStatus === 'ACTIVE')
    )
      return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`table ${tableName} did not become active`);
}

/**
 * A paginator's pages (lib-dynamodb's `paginateQuery`, `paginateScan`), its errors translated as
 * every other call's are. A consumer that stops early (`break`) reads no further page.
 */
export async function* translated<T>(pages: AsyncIterable<T>): AsyncGenerator<T, void, undefined> {
  try {
    yield* pages;
  } catch (error) {
    translateDynamoError(error);
  }
}

/**
 * SDK errors stop here: throttling and service faults (after the SDK's own retries) become the
 * domain's `unavailable`, which the API answers with a 503 the client may retry.
 */
export function translateDynamoError(error: unknown): never {
  const name = (error as Error)?.name ?? '';
  const status =
    (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ?? 0;
  if (
    /Throttl|ProvisionedThroughputExceeded|RequestLimitExceeded|ServiceUnavailable|InternalServerError/.test(
      name,
    ) ||
    status >= 500
  ) {
    throw new DomainError(
      ErrorCodes.unavailable,
      'The database is busy; please try again.',
      { reason: name },
      { cause: error },
    );
  }
  throw error;
}
