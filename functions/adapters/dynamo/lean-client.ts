import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type marshallOptions, marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { backoffMs, isRetryable } from '../aws/retry.js';
import { type PostTimeouts, SignedPoster } from '../aws/signed-post.js';
import { SigV4Signer } from '../aws/sigv4.js';

type Wire = Record<string, unknown>;
type Operation = {
  target: string;
  /** The document input in DynamoDB's wire form. */
  request: (input: Wire, m: (value: Record<string, unknown>) => Wire) => Wire;
  /** The wire answer in the document client's form. */
  answer: (output: Wire, u: (item: Wire) => Record<string, unknown>) => Wire;
};

const values = (input: Wire, m: (v: Record<string, unknown>) => Wire, ...keys: string[]) => {
  const out = { ...input };
  for (const key of keys) if (input[key] !== undefined) out[key] = m(input[key] as Wire);
  return out;
};
const item = (key: string) => (output: Wire, u: (item: Wire) => Wire) =>
  output[key] ? { ...output, [key]: u(output[key] as Wire) } : output;
const page = (output: Wire, u: (item: Wire) => Wire) => ({
  ...output,
  Items: ((output.Items ?? []) as Wire[]).map(u),
  ...(output.LastEvaluatedKey ? { LastEvaluatedKey: u(output.LastEvaluatedKey as Wire) } : {}),
});
const perTable = <T>(map: unknown, f: (v: T) => unknown) =>
  map
    ? Object.fromEntries(Object.entries(map as Record<string, T>).map(([t, v]) => [t, f(v)]))
    : map;

/**
 * The eight document commands the adapters use, each with its (un)marshalled fields, by class
 * name less "Command": lib-dynamodb is the runtime's, outside the bundle, so its names survive
 * minifying, and not naming the classes themselves leaves each bundle's list of the SDK calls it
 * makes (tests/support/lambda-bundle.ts, for its grants) to the adapters it holds.
 */
const OPERATIONS = new Map<string, Operation>([
  [
    'Put',
    {
      target: 'PutItem',
      request: (i, m) => values(i, m, 'Item', 'ExpressionAttributeValues'),
      answer: item('Attributes'),
    },
  ],
  ['Get', { target: 'GetItem', request: (i, m) => values(i, m, 'Key'), answer: item('Item') }],
  [
    'Update',
    {
      target: 'UpdateItem',
      request: (i, m) => values(i, m, 'Key', 'ExpressionAttributeValues'),
      answer: item('Attributes'),
    },
  ],
  [
    'Delete',
    {
      target: 'DeleteItem',
      request: (i, m) => values(i, m, 'Key', 'ExpressionAttributeValues'),
      answer: item('Attributes'),
    },
  ],
  [
    'Query',
    {
      target: 'Query',
      request: (i, m) => values(i, m, 'ExclusiveStartKey', 'ExpressionAttributeValues'),
      answer: page,
    },
  ],
  [
    'Scan',
    {
      target: 'Scan',
      request: (i, m) => values(i, m, 'ExclusiveStartKey', 'ExpressionAttributeValues'),
      answer: page,
    },
  ],
  [
    'BatchGet',
    {
      target: 'BatchGetItem',
      request: (i, m) => ({
        ...i,
        RequestItems: perTable<Wire>(i.RequestItems, (t) => ({
          ...t,
          Keys: (t.Keys as Wire[]).map(m),
        })),
      }),
      answer: (o, u) => ({
        ...o,
        Responses: perTable<Wire[]>(o.Responses, (items) => items.map(u)),
        UnprocessedKeys: perTable<Wire>(o.UnprocessedKeys, (t) => ({
          ...t,
          Keys: (t.Keys as Wire[]).map(u),
        })),
      }),
    },
  ],
  [
    'BatchWrite',
    {
      target: 'BatchWriteItem',
      request: (i, m) => ({
        ...i,
        RequestItems: perTable<Wire[]>(i.RequestItems, (w) => w.map((r) => writeRequest(r, m))),
      }),
      answer: (o, u) => ({
        ...o,
        UnprocessedItems: perTable<Wire[]>(o.UnprocessedItems, (w) =>
          w.map((r) => writeRequest(r, u)),
        ),
      }),
    },
  ],
]);

function writeRequest(request: Wire, f: (v: Wire) => Wire): Wire {
  const put = request.PutRequest as Wire | undefined;
  const del = request.DeleteRequest as Wire | undefined;
  return {
    ...(put ? { PutRequest: { ...put, Item: f(put.Item as Wire) } } : {}),
    ...(del ? { DeleteRequest: { ...del, Key: f(del.Key as Wire) } } : {}),
  };
}

export type LeanOptions = PostTimeouts & {
  /** As the SDK's `endpoint`; otherwise `AWS_ENDPOINT_URL_DYNAMODB`, `AWS_ENDPOINT_URL`, or AWS's. */
  endpoint?: string;
  /** Attempts per call, the first included (the SDK's `maxAttempts`, default 3). */
  maxAttempts?: number;
  marshallOptions?: marshallOptions;
};

/**
 * The document client, with its eight item commands sent by this module rather than the SDK's
 * middleware stack: the same input and output shapes, errors under the same names with the same
 * `$metadata`, the same timeouts, retries and backoff, at a quarter of the CPU (0.19 against
 * 0.75 ms a PutItem measured against dynalite; docs/performance.md, "The lean clients"). A
 * signup makes two such calls and a send's recipient one, so on a CPU-bound Lambda that is most
 * of their cost. Everything else (table admin, paginators' other commands) goes to the SDK, which
 * also supplies the credentials and the region.
 */
export class LeanDocumentClient extends DynamoDBDocumentClient {
  private poster?: Promise<SignedPoster>;
  private readonly toWire: (value: Record<string, unknown>) => Wire;

  constructor(
    client: DynamoDBClient,
    private readonly options: LeanOptions = {},
  ) {
    // The SDK's path gets a copy: lib-dynamodb sets `convertTopLevelContainer` on the options it
    // is given, which would wrap every top-level value here in an `M`.
    super(client, { marshallOptions: { ...options.marshallOptions } });
    const own = { ...options.marshallOptions, convertTopLevelContainer: false };
    this.toWire = (value) => marshall(value, own) as Wire;
  }

  // biome-ignore lint/suspicious/noExplicitAny: the SDK's overloaded `send`, kept as it is.
  override send(command: any, ...rest: any[]): any {
    const operation = OPERATIONS.get(String(command?.constructor?.name).replace(/Command$/, ''));
    // A callback-style call keeps the SDK's path.
    if (!operation || rest.some((r) => typeof r === 'function'))
      return super.send(command, ...rest);
    return this.call(operation, command.input as Wire);
  }

  private async call(operation: Operation, input: Wire) {
    const body = JSON.stringify(operation.request(input, this.toWire), binaryAsBase64);
    const headers = {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': `DynamoDB_20120810.${operation.target}`,
    };
    // A failed start (no region) is not kept: the next call tries again.
    this.poster ??= this.makePoster().catch((error: unknown) => {
      this.poster = undefined;
      throw error;
    });
    const poster = await this.poster;
    // The client's own setting: its default (4 in this SDK) or AWS_MAX_ATTEMPTS.
    const attempts = this.options.maxAttempts ?? (await this.config.maxAttempts());
    for (let attempt = 1; ; attempt++) {
      let failure: Error;
      try {
        const answer = await poster.post(headers, body);
        const $metadata = {
          httpStatusCode: answer.status,
          requestId: answer.requestId,
          attempts: attempt,
        };
        // A front end's 502 page is no JSON: its status still decides (retried, then a 503).
        const parsed = answer.status === 200 ? parseWire(answer.body) : safeParse(answer.body);
        if (answer.status === 200)
          return { ...operation.answer(parsed, unmarshallItem), $metadata };
        failure = serviceError(parsed, $metadata);
      } catch (error) {
        failure = error as Error;
      }
      if (attempt >= attempts || !isRetryable(failure)) throw failure;
      await new Promise((r) => setTimeout(r, backoffMs(failure, attempt)));
    }
  }

  private async makePoster() {
    const region = await this.config.region();
    // Read on the first call, as the SDK reads it: a client made before the environment names
    // the local endpoint (a test, the bench) still finds it.
    const endpoint =
      this.options.endpoint ??
      process.env.AWS_ENDPOINT_URL_DYNAMODB ??
      process.env.AWS_ENDPOINT_URL ??
      `https://dynamodb.${region}.amazonaws.com`;
    const credentials = this.config.credentials;
    return new SignedPoster(
      new URL(endpoint),
      new SigV4Signer(region, 'dynamodb'),
      () => credentials({}),
      this.options,
    );
  }
}

const unmarshallItem = (wire: Wire) => unmarshall(wire as Parameters<typeof unmarshall>[0]);

/** The error the SDK would throw for this answer: its name, message, status and extra fields. */
function serviceError(
  parsed: Wire,
  $metadata: { httpStatusCode: number; requestId?: string; attempts: number },
) {
  const type = String(parsed.__type ?? parsed.code ?? 'UnknownError');
  const name = type.slice(type.lastIndexOf('#') + 1);
  const message = String(parsed.message ?? parsed.Message ?? name);
  const { __type: _t, message: _m, Message: _M, ...fields } = parsed;
  // A refusal's `Item` (ReturnValuesOnConditionCheckFailure) stays marshalled, as the SDK leaves it.
  return Object.assign(new Error(message), fields, {
    name,
    $fault: $metadata.httpStatusCode >= 500 ? 'server' : 'client',
    $metadata,
  });
}

/**
 * Binary attributes travel as base64 in DynamoDB's JSON, both ways. The raw value is read from
 * its holder, since a Buffer's own `toJSON` has already run by the time `value` is passed.
 */
function binaryAsBase64(this: Record<string, unknown>, key: string, value: unknown) {
  const raw = this[key];
  return raw instanceof Uint8Array ? Buffer.from(raw).toString('base64') : value;
}

function safeParse(text: string): Wire {
  try {
    return parseWire(text);
  } catch {
    return {};
  }
}

function parseWire(text: string): Wire {
  if (!text) return {};
  const parsed = JSON.parse(text) as Wire;
  return text.includes('"B"') || text.includes('"BS"') ? (decodeBinary(parsed) as Wire) : parsed;
}

function decodeBinary(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(decodeBinary);
  if (!value || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  if (keys.length === 1 && keys[0] === 'B' && typeof record.B === 'string')
    return { B: Buffer.from(record.B, 'base64') };
  if (keys.length === 1 && keys[0] === 'BS' && Array.isArray(record.BS))
    return { BS: record.BS.map((b) => Buffer.from(String(b), 'base64')) };
  return Object.fromEntries(keys.map((k) => [k, decodeBinary(record[k])]));
}
