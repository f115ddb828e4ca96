/**
 * The lean DynamoDB calls (functions/adapters/dynamo/lean-client.ts) behave as the SDK's would
 * where the adapters depend on it: retries of what may be retried, the errors' names and status,
 * the timeout of a silent table, and attribute types that JSON does not carry as-is. Faults come
 * from the loopback proxy in front of dynalite; the contract suites (dynamo-dynalite,
 * dynamo-local) cover every adapter's ordinary calls through the same client.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetCommand, PutCommand, TransactGetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient, ensureTable } from '../../functions/adapters/dynamo/client.js';
import { translateDynamoError } from '../../functions/adapters/dynamo/client.js';
import type { Running } from '../../local/emulators.js';
import { startInMemoryDynalite, useLocalAws } from '../support/emulators.js';
import { type FaultProxy, type Policy, startFaultProxy } from '../support/fault-proxy.js';

const TABLE = 'lean-client';
let dynalite: Running;
let proxy: FaultProxy;
let policy: Policy = () => ({ kind: 'pass' });
const passing: Policy = () => ({ kind: 'pass' });

beforeAll(async () => {
  dynalite = await startInMemoryDynalite();
  useLocalAws({ dynamodb: dynalite.url });
  await ensureTable(createDocumentClient({ endpoint: dynalite.url }), TABLE);
  proxy = await startFaultProxy({ upstream: dynalite.url, policy: (r) => policy(r) });
});
afterAll(async () => {
  await proxy?.close();
  await dynalite?.close();
});

const key = (id: string) => ({ PK: `LEAN#${id}`, SK: 'ITEM' });
const through = (options: { maxAttempts?: number; requestTimeout?: number } = {}) =>
  createDocumentClient({
    endpoint: proxy.url,
    maxAttempts: options.maxAttempts,
    requestHandler: { connectionTimeout: 1_000, requestTimeout: options.requestTimeout ?? 5_000 },
  });
const stored = async (id: string) =>
  (
    await createDocumentClient({ endpoint: dynalite.url }).send(
      new GetCommand({ TableName: TABLE, Key: key(id), ConsistentRead: true }),
    )
  ).Item;

describe('the lean DynamoDB client', () => {
  afterEach(() => {
    policy = passing;
  });

  it('retries a throttled call, as the SDK does, and the write lands once', async () => {
    policy = ({ operation, nth }) =>
      operation === 'PutItem' && nth <= 2 ? { kind: 'throttle' } : { kind: 'pass' };
    const answer = await through().send(
      new PutCommand({ TableName: TABLE, Item: { ...key('throttled'), n: 1 } }),
    );
    expect(answer.$metadata).toMatchObject({ httpStatusCode: 200, attempts: 3 });
    expect(await stored('throttled')).toMatchObject({ n: 1 });
  });

  it('gives up after its attempts with the service’s error, which the adapters answer as 503', async () => {
    policy = ({ operation }) => (operation === 'PutItem' ? { kind: 'fail' } : { kind: 'pass' });
    const error = await through({ maxAttempts: 2 })
      .send(new PutCommand({ TableName: TABLE, Item: key('failing') }))
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      name: 'InternalServerError',
      $metadata: { httpStatusCode: 500, attempts: 2 },
    });
    expect(() => translateDynamoError(error)).toThrow(/database is busy/);
    expect(
      proxy.requests.filter((r) => r.operation === 'PutItem' && r.fate === 'fail'),
    ).toHaveLength(2);
  });

  it('retries a front end’s 502 page that is no JSON, and gives up with its status (a 503 to the caller)', async () => {
    const html = createServer((_req, res) => {
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end('<html>Bad gateway</html>');
    });
    await new Promise<void>((r) => html.listen(0, '127.0.0.1', r));
    const { port } = html.address() as AddressInfo;
    try {
      const error = await createDocumentClient({
        endpoint: `http://127.0.0.1:${port}`,
        maxAttempts: 2,
      })
        .send(new GetCommand({ TableName: TABLE, Key: key('gateway') }))
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ $metadata: { httpStatusCode: 502, attempts: 2 } });
      expect(() => translateDynamoError(error)).toThrow(/database is busy/);
    } finally {
      html.close();
    }
  });

  it('keeps sending items unwrapped after a command has gone the SDK’s way', async () => {
    const client = through();
    await client
      .send(
        new TransactGetCommand({
          TransactItems: [{ Get: { TableName: TABLE, Key: key('none') } }],
        }),
      )
      .catch(() => undefined);
    await client.send(new PutCommand({ TableName: TABLE, Item: { ...key('after-sdk'), n: 2 } }));
    expect(await stored('after-sdk')).toMatchObject({ n: 2 });
  });

  it('names a refused condition as the SDK does', async () => {
    const client = through();
    await client.send(new PutCommand({ TableName: TABLE, Item: { ...key('claimed'), who: 'a' } }));
    const error = await client
      .send(
        new PutCommand({
          TableName: TABLE,
          Item: { ...key('claimed'), who: 'b' },
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      )
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      name: 'ConditionalCheckFailedException',
      $metadata: { httpStatusCode: 400 },
    });
    expect(await stored('claimed')).toMatchObject({ who: 'a' });
  });

  it('gives up on a table that never answers after its request timeout', async () => {
    policy = ({ operation }) => (operation === 'GetItem' ? { kind: 'hang' } : { kind: 'pass' });
    const started = Date.now();
    const error = await through({ maxAttempts: 1, requestTimeout: 300 })
      .send(new GetCommand({ TableName: TABLE, Key: key('silent') }))
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'TimeoutError' });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('carries binary values, sets, numbers, maps and lists through and back', async () => {
    const bytes = new Uint8Array([0, 1, 2, 250, 255]);
    const item = {
      ...key('types'),
      bytes,
      tags: new Set(['a', 'b']),
      count: 42.5,
      nested: { list: [1, 'two', { three: true }], none: null },
    };
    await through().send(new PutCommand({ TableName: TABLE, Item: item }));
    const back = (await through().send(new GetCommand({ TableName: TABLE, Key: key('types') })))
      .Item!;
    expect(new Uint8Array(back.bytes as Uint8Array)).toEqual(bytes);
    expect(back.tags).toEqual(new Set(['a', 'b']));
    expect(back.count).toBe(42.5);
    expect(back.nested).toEqual({ list: [1, 'two', { three: true }], none: null });
  });
});
