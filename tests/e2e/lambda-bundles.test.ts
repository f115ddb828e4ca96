/**
 * Every handler the deployment names, built into its own package as `sst deploy` builds it and
 * invoked as Lambda invokes it (tests/support/lambda-bundle.ts), with exactly the environment
 * infra gives it (sst.config.ts evaluated by tests/support/sst-stub.ts, outputs replaced by local
 * values), against dynalite and the SES emulator. Each bundle's size is printed. Every bundle runs
 * on Node 22, Lambda's nodejs22.x, where there is one (tests/support/node22.ts; CI fetches it),
 * with node_modules' AWS SDK standing in for the runtime's.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateTableCommand,
  DynamoDBClient,
  QueryCommand,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../functions/adapters/dynamo/client.js';
import { DynamoApiKeyRepository } from '../../functions/adapters/dynamo/dynamo-api-keys.js';
import { DynamoIssueRepository } from '../../functions/adapters/dynamo/dynamo-issues.js';
import { reputationAlarmNames } from '../../infra/alarm-names.js';
import { createTableInput, tableKeys } from '../../functions/adapters/dynamo/table.js';
import { createApiKey } from '../../functions/core/access/api-keys.js';
import { type Message, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse } from 'aws-lambda';
import { DynamoSubscriberRepository } from '../../functions/adapters/dynamo/dynamo-subscribers.js';
import { systemClock } from '../../functions/core/clock.js';
import { SEND_SHARDS, type Subscriber } from '../../functions/core/subscribers/subscriber.js';
import { sqsEvent } from '../../local/sender-fleet.js';
import { startSqsEmulator, type SqsEmulator } from '../support/sqs-emulator.js';
import { aSubscriber } from '../support/builders.js';
import {
  functionDefinitions,
  lambdaRuntime,
  type FunctionDefinition,
} from '../../infra/functions.js';
import { startS3rver, startSesEmulator, type Running } from '../../local/emulators.js';
import { S3Client } from '@aws-sdk/client-s3';
import { ensureBucket } from '../../functions/adapters/s3/ensure-bucket.js';
import { startSesGateway } from '../../local/ses-gateway.js';
import {
  buildLambdaPackage,
  modulesAtStart,
  buildProbe,
  startLambda,
  type LambdaPackage,
  type RunningLambda,
} from '../support/lambda-bundle.js';
import {
  alarmStateChangeEvent,
  dynamodbStreamEvent,
  httpEvent,
  responseBody,
  schedulerInput,
  sesBounceEvent,
  type HttpResponse,
} from '../support/lambda-events.js';
import { deployedFunctions, synthesize } from '../support/sst-stub.js';
import { node22Binary } from '../support/node22.js';
import { startInMemoryDynalite } from '../support/emulators.js';
import { emailsTo, waitFor, type StoredEmail } from '../support/stack.js';

const KB = 1024;
const API_BUDGET = 500 * KB;
const TABLE = 'dispatch-bundle-test';
const BASE_URL = 'https://abc123.execute-api.us-east-1.amazonaws.com';
const CONFIGURATION_SET = 'dispatch-production-EmailConfig';
/** The Node that runs the bundles: Node 22 as on Lambda, or (with a notice) this process's. */
const node22 = node22Binary();
/** The SDK each package is given (node_modules'), which each function's log lines should name. */
const sdkVersion = (
  createRequire(import.meta.url)('@aws-sdk/client-dynamodb/package.json') as { version: string }
).version;

let workDir: string;
let dynamodb: Running;
let ses: Running;
/** In front of the emulator, as locally: the outbox's sender reads the quota (GetSendQuota). */
let gateway: Running;
/** The blob store: the admin function's imports put their file there, the tick reads it. */
let s3: Running;
const BUCKET = 'dispatch-bundle-blobs';
let client: DynamoDBClient;
/** The fleet's queue of shard work, as SHARD_QUEUE_URL gives it to the tick, the digests and the sender. */
let sqs: SqsEmulator;
const packages: Record<string, LambdaPackage> = {};
const environments: Record<string, Record<string, string>> = {};
const lambdas: Record<string, RunningLambda> = {};
/** Each scheduled function's input, as its CronV2 gives it to EventBridge Scheduler. */
const schedulerTemplates: Record<string, unknown> = {};

/** The SDK calls a bundle can make, as the IAM actions they need. */
function actionsOf(pkg: LambdaPackage): string[] {
  const service: Record<string, string> = {
    '@aws-sdk/client-dynamodb': 'dynamodb',
    '@aws-sdk/lib-dynamodb': 'dynamodb',
    '@aws-sdk/client-ses': 'ses',
    '@aws-sdk/client-sqs': 'sqs',
    '@aws-sdk/client-s3': 's3',
    '@aws-sdk/client-lambda': 'lambda',
  };
  // IAM has no action of its own for a batch: SendMessage covers SendMessageBatch. S3's object
  // calls are named by what they do to the object: a multipart upload is PutObject throughout.
  const iamAction: Record<string, string> = {
    'sqs:SendMessageBatch': 'sqs:SendMessage',
    's3:CreateMultipartUpload': 's3:PutObject',
    's3:UploadPart': 's3:PutObject',
    's3:CompleteMultipartUpload': 's3:PutObject',
    's3:HeadObject': 's3:GetObject',
    'lambda:Invoke': 'lambda:InvokeFunction',
  };
  // lib-dynamodb's document commands and the low-level operations they call.
  const document: Record<string, string> = {
    Get: 'GetItem',
    Put: 'PutItem',
    Update: 'UpdateItem',
    Delete: 'DeleteItem',
    Query: 'Query',
    Scan: 'Scan',
    BatchGet: 'BatchGetItem',
    BatchWrite: 'BatchWriteItem',
    TransactGet: 'TransactGetItems',
    TransactWrite: 'TransactWriteItems',
    ExecuteStatement: 'ExecuteStatement',
  };
  const actions = new Set<string>();
  for (const [pkgName, names] of Object.entries(pkg.sdkImports)) {
    for (const name of names.filter((n) => n.endsWith('Command'))) {
      const prefix = service[pkgName];
      if (!prefix)
        throw new Error(
          `${pkg.name} calls ${pkgName}: give it a grant and teach this test its actions`,
        );
      const operation = name.slice(0, -'Command'.length);
      const action = `${prefix}:${pkgName === '@aws-sdk/lib-dynamodb' ? (document[operation] ?? operation) : operation}`;
      actions.add(iamAction[action] ?? action);
    }
  }
  return [...actions].sort();
}

/** Replaces the component outputs in infra's environment with this test's local values. */
function localEnvironment(
  environment: Record<string, string>,
  secret: string,
): Record<string, string> {
  const outputs: Record<string, string> = {
    '{{Table.name}}': TABLE,
    '{{SigningSecret.value}}': secret,
    '{{SuppressionSecret.value}}': `${secret}-suppression`,
    '{{Api.url}}': BASE_URL,
    '{{Email.configSet}}': CONFIGURATION_SET,
    '{{ShardWork.url}}': sqs.queueUrl('ShardWork'),
    '{{Blobs.name}}': BUCKET,
  };
  const resolved = Object.fromEntries(
    Object.entries(environment).map(([key, value]) => {
      const local = value.replace(/\{\{[^}]+\}\}/g, (token) => {
        if (!(token in outputs))
          throw new Error(`${key} uses ${token}: give it a local value in this test`);
        return outputs[token]!;
      });
      return [key, local];
    }),
  );
  return {
    ...resolved,
    // What Lambda itself sets, pointed at the emulators the standard way.
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: dynamodb.url,
    AWS_ENDPOINT_URL_SES: gateway.url,
    AWS_ENDPOINT_URL_SQS: sqs.url,
    AWS_ENDPOINT_URL_S3: s3.url,
    // No Lambda emulator: a kick of the jobs function fails fast here (and the schedule runs it).
    AWS_ENDPOINT_URL_LAMBDA: 'http://127.0.0.1:9',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'dispatch-bundles-'));
  [dynamodb, ses] = await Promise.all([startInMemoryDynalite(), startSesEmulator({ port: 0 })]);
  gateway = await startSesGateway({ port: 0, upstream: ses.url });
  sqs = await startSqsEmulator();
  s3 = await startS3rver({ port: 0 });
  const s3Client = new S3Client({
    endpoint: s3.url,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  await ensureBucket(s3Client, BUCKET, BASE_URL);
  s3Client.destroy();
  client = new DynamoDBClient({
    endpoint: dynamodb.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  await client.send(new CreateTableCommand(createTableInput(TABLE)));

  const synthesis = await synthesize({ stage: 'production' });
  const secret = randomBytes(32).toString('base64url');
  for (const { component, args } of deployedFunctions(synthesis)) {
    const [name, definition] = Object.entries(functionDefinitions).find(
      ([, d]) => d.handler === args.handler,
    )!;
    if (component.type === 'sst.aws.CronV2') schedulerTemplates[name] = component.args.event;
    packages[name] = await buildLambdaPackage(name, definition, workDir);
    environments[name] = localEnvironment(args.environment, secret);
  }
  const rows = Object.values(packages).map(
    (p) =>
      `  ${p.name.padEnd(14)} ${p.bundle.slice(p.dir.length + 1).padEnd(16)} ${(p.bytes / KB).toFixed(1).padStart(8)} KB, ${(p.bytesAtStart / KB).toFixed(1).padStart(6)} KB at start`,
  );
  console.log(
    `Lambda bundles (minified ESM, as SST builds them; the API's budget is ${API_BUDGET / KB} KB):\n${rows.join('\n')}`,
  );
  for (const [name, pkg] of Object.entries(packages))
    lambdas[name] = await startLambda(pkg, environments[name]!, node22);
}, 180_000);

afterAll(async () => {
  await Promise.all(Object.values(lambdas).map((l) => l.close()));
  client?.destroy();
  await dynamodb?.close();
  await gateway?.close();
  await ses?.close();
  await sqs?.close();
  await s3?.close();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

const api = () => lambdas.api!;
const definition = (name: string): FunctionDefinition => functionDefinitions[name]!;
const linkTo = (text: string, kind: string) => {
  const match = new RegExp(
    `${BASE_URL.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/${kind}/[A-Za-z0-9._~-]+`,
  ).exec(text);
  if (!match) throw new Error(`no ${kind} link in:\n${text}`);
  return match[0];
};
/** The JSON lines a function has written so far, as CloudWatch would keep them. */
const logLines = (name: string) =>
  lambdas[name]!.logs()
    .split('\n')
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
/**
 * What the table's stream would hand the outbox's sender now: a record for each item whose entry
 * is queued (the filter infra sets), read from the outbox's index in the stream's own format.
 */
async function streamOfQueued() {
  const { Items = [] } = await client.send(
    new QueryCommand({
      TableName: TABLE,
      IndexName: tableKeys.outboxIndex,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': tableKeys.outboxPartitionKey },
      ExpressionAttributeValues: { ':pk': { S: 'OUTBOX#queued' } },
    }),
  );
  return dynamodbStreamEvent(Items);
}
const emailWith = async (address: string, subject: RegExp) => {
  // The API only queues; the outbox function, woken by the stream, sends.
  const event = await streamOfQueued();
  expect(event.Records.length).toBeGreaterThan(0);
  await expect(lambdas.outbox!.invoke(event)).resolves.toEqual({ batchItemFailures: [] });
  return waitFor(
    async () => (await emailsTo(ses.url, address)).find((e) => subject.test(e.subject)),
    `an email to ${address} matching ${subject}`,
  );
};

describe('bundles', () => {
  it.skipIf(!node22)(
    "every bundle runs on Node 22, the major of the runtime infra deploys (Lambda's nodejs22.x)",
    () => {
      const major = /^nodejs(\d+)\.x$/.exec(lambdaRuntime.runtime)![1];
      expect(Object.keys(lambdas).length).toBe(Object.keys(functionDefinitions).length);
      for (const [name, lambda] of Object.entries(lambdas))
        expect(lambda.nodeVersion, name).toMatch(new RegExp(`^v${major}\\.`));
    },
  );

  it('the API carries no MJML and stays under its size budget', () => {
    const pkg = packages.api!;
    const inputs = Object.keys(pkg.metafile.inputs);
    expect(inputs.filter((i) => /node_modules\/mjml/.test(i))).toEqual([]);
    const byPackage = new Map<string, number>();
    for (const [input, bytesInOutput] of Object.entries(pkg.bytesByInput)) {
      const owner = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(input)?.[1] ?? '(our code)';
      byPackage.set(owner, (byPackage.get(owner) ?? 0) + bytesInOutput);
    }
    const biggest = [...byPackage]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 8)
      .map(([p, b]) => `${p} ${(b / KB).toFixed(0)} KB`)
      .join(', ');
    expect(
      pkg.bytes,
      `api bundle is ${(pkg.bytes / KB).toFixed(0)} KB; biggest parts: ${biggest}`,
    ).toBeLessThan(API_BUDGET);
  });

  it('the functions that render carry MJML but do not evaluate it at start, only at the first render', () => {
    const renderers = Object.keys(packages).filter((name) =>
      definition(name).copyFiles.includes('templates'),
    );
    expect(renderers).toEqual(
      expect.arrayContaining(['tick', 'dailyDigest', 'weeklyDigest', 'sender']),
    );
    for (const name of renderers) {
      const isMjml = (input: string) => /node_modules\/mjml/.test(input);
      expect(Object.keys(packages[name]!.metafile.inputs).some(isMjml), name).toBe(true);
      expect([...modulesAtStart(packages[name]!)].filter(isMjml), name).toEqual([]);
    }
  });

  it('each bundle calls exactly the AWS actions its function is granted (least privilege, and enough)', () => {
    for (const [name, pkg] of Object.entries(packages)) {
      const granted = [
        ...definition(name).table,
        ...definition(name).ses,
        ...(definition(name).queue ?? []),
        ...(definition(name).s3 ?? []),
        ...(definition(name).invoke ?? []),
      ].sort();
      expect(
        actionsOf(pkg),
        `${name}: the SDK calls in its bundle vs its grants in infra/functions.ts`,
      ).toEqual(granted);
    }
  });

  it('each function is given a secret only where its bundle holds the code that reads it', () => {
    // The one module that reads each secret (through functions/config.ts's builders).
    const readerOf: Record<string, string> = {
      SIGNING_SECRET: 'functions/core/tokens.ts',
      TURNSTILE_SECRET_KEY: 'functions/adapters/abuse/turnstile.ts',
      SUPPRESSION_SECRET: 'functions/core/suppression-key.ts',
    };
    const given: string[] = [];
    for (const [name, pkg] of Object.entries(packages)) {
      const bundled = Object.entries(pkg.bytesByInput)
        .filter(([, bytes]) => bytes > 0)
        .map(([path]) => path);
      for (const [secret, reader] of Object.entries(readerOf)) {
        if (!definition(name).environment.includes(secret as never)) continue;
        given.push(`${name}:${secret}`);
        expect(
          bundled.some((path) => path.endsWith(reader)),
          `${name} is given ${secret} but its bundle has no ${reader}`,
        ).toBe(true);
      }
    }
    // The feeds (files only) and the reputation pause (the table only) get none; ses-events only
    // the suppression list's key (it suppresses what bounces), never the links' signing secret.
    for (const name of ['feeds', 'reputationPause'])
      expect(given.filter((g) => g.startsWith(`${name}:`))).toEqual([]);
    expect(given.filter((g) => g.startsWith('sesEvents:'))).toEqual([
      'sesEvents:SUPPRESSION_SECRET',
    ]);
    expect(given).toContain('api:TURNSTILE_SECRET_KEY');
  });

  it("MJML renders inside a worker's package (bundled, templates copied, TypeScript left out)", async () => {
    const worker = Object.keys(packages).find((name) =>
      definition(name).copyFiles.includes('templates'),
    )!;
    const probe = await buildProbe(
      packages[worker]!,
      'render-probe',
      [
        "import { compileTemplate } from './functions/adapters/mjml/compile.js';",
        "export const handler = async () => { const { html, text } = await compileTemplate(process.env.TEMPLATES_DIR!, 'confirmation'); return { html, text }; };",
      ].join('\n'),
    );
    const lambda = await startLambda(probe, environments[worker]!, node22);
    try {
      const { html, text } = await lambda.invoke<{ html: string; text: string }>({});
      expect(html).toMatch(/^<!doctype html>/i);
      expect(text).toContain('%%confirm_url%%');
    } finally {
      await lambda.close();
    }
  });
});

describe('api (HTTP API events, payload format 2.0)', () => {
  it('GET / serves the signup page', async () => {
    const response = await api().invoke<HttpResponse>(httpEvent('GET', `${BASE_URL}/`));
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/html/);
    expect(responseBody(response)).toContain('action="/subscribe"');
  });

  it("POST /api/subscribe with JSON, then the emailed link confirms: the reader's whole signup through the bundle", async () => {
    const email = `bundle-${randomUUID().slice(0, 8)}@example.com`;
    const subscribed = await api().invoke<HttpResponse>(
      httpEvent('POST', `${BASE_URL}/api/subscribe`, {
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, topics: ['security'], frequency: 'weekly' }),
      }),
    );
    expect(subscribed.statusCode).toBe(202);
    expect(JSON.parse(responseBody(subscribed))).toMatchObject({ status: 'pending' });

    const confirmation: StoredEmail = await emailWith(email, /confirm/i);
    const link = linkTo(confirmation.body.text!, 'confirm');
    const page = await api().invoke<HttpResponse>(httpEvent('GET', link));
    expect(page.statusCode).toBe(200);
    expect(responseBody(page)).toContain('Confirm');
    const confirmed = await api().invoke<HttpResponse>(
      httpEvent('POST', link, {
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: '',
      }),
    );
    expect(confirmed.statusCode).toBe(200);
    expect(responseBody(confirmed)).toContain('You are subscribed');
    const welcome = await emailWith(email, /^Welcome/);
    expect(linkTo(welcome.body.text!, 'unsubscribe')).toMatch(/^https:\/\//);
  });

  it("writes items whose keys are the table's and the index's, as infra declares them", async () => {
    const { Items = [] } = await client.send(new ScanCommand({ TableName: TABLE }));
    expect(Items.length).toBeGreaterThan(0);
    for (const item of Items) {
      expect(item[tableKeys.partitionKey]?.S, JSON.stringify(item)).toBeDefined();
      expect(item[tableKeys.sortKey]?.S, JSON.stringify(item)).toBeDefined();
      // TTL only deletes items whose attribute is a number (epoch seconds).
      if (item[tableKeys.ttl]) expect(item[tableKeys.ttl]!.N, JSON.stringify(item)).toBeDefined();
    }
    const indexed = Items.filter((i) => i[tableKeys.indexPartitionKey]);
    expect(indexed.length, 'the confirmed reader is in the sparse index').toBeGreaterThan(0);
    const { Items: found = [] } = await client.send(
      new QueryCommand({
        TableName: TABLE,
        IndexName: tableKeys.index,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': tableKeys.indexPartitionKey },
        ExpressionAttributeValues: { ':pk': indexed[0]![tableKeys.indexPartitionKey]! },
      }),
    );
    expect(found.map((i) => i[tableKeys.partitionKey]?.S)).toContain(
      indexed[0]![tableKeys.partitionKey]!.S,
    );
  });
});

describe('feeds (HTTP API events)', () => {
  it('GET /feed.xml serves the RSS feed of the packaged content', async () => {
    const response = await lambdas.feeds!.invoke<HttpResponse>(
      httpEvent('GET', `${BASE_URL}/feed.xml`),
    );
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/xml/);
    expect(responseBody(response)).toContain('nato-western-balkans-stability');
  });
});

/**
 * The admin function's routes that read a packaged file or the table: each folder its code opens
 * (content/, templates/, data/) must be in its package, or these answer 500 on AWS.
 */
describe('admin (HTTP API events): the routes that read packaged files', () => {
  let key: string;
  const admin = () => lambdas.admin!;
  const withKey = (method: string, path: string, body?: unknown) =>
    admin().invoke<HttpResponse>(
      httpEvent(method, `${BASE_URL}${path}`, {
        headers: {
          authorization: `Bearer ${key}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
    );

  beforeAll(async () => {
    const documents = createDocumentClient({
      endpoint: dynamodb.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const apiKeys = new DynamoApiKeyRepository(documents, TABLE);
    key = (
      await createApiKey(
        { apiKeys, clock: systemClock },
        { name: 'Bundle', email: 'bundle@example.org', role: 'editor' },
      )
    ).key;
  });

  it('POST /api/admin/subscribers adds a subscriber (the signup guard reads data/)', async () => {
    const email = `added-${randomUUID().slice(0, 8)}@example.com`;
    const added = await withKey('POST', '/api/admin/subscribers', {
      email,
      topics: ['security'],
      frequency: 'weekly',
    });
    expect(added.statusCode, responseBody(added)).toBe(202);
    expect(JSON.parse(responseBody(added))).toEqual({ status: 'pending' });
    expect((await emailWith(email, /confirm/i)).subject).toMatch(/confirm/i);
  });

  it('GET /api/admin/articles/{slug}/preview renders the article (content/ and templates/)', async () => {
    const preview = await withKey(
      'GET',
      '/api/admin/articles/nato-western-balkans-stability/preview',
    );
    expect(preview.statusCode, responseBody(preview)).toBe(200);
    const { html, text } = JSON.parse(responseBody(preview)) as { html: string; text: string };
    expect(html).toMatch(/^<!doctype html>/i);
    expect(text.length).toBeGreaterThan(100);
  });

  // Confirmed rows: a queued confirmation would be the tick's to send, and slow the schedules' test.
  it('the workspace signs in with the key and imports a CSV', async () => {
    const signedIn = await admin().invoke<HttpResponse>(
      httpEvent('POST', `${BASE_URL}/admin/sign-in`, {
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ key }).toString(),
      }),
    );
    expect(signedIn.statusCode, responseBody(signedIn)).toBe(303);
    const cookie = signedIn.cookies!.map((c) => c.split(';')[0]).join('; ');
    const page = await admin().invoke<HttpResponse>(
      httpEvent('GET', `${BASE_URL}/admin/subscribers`, { headers: { cookie } }),
    );
    expect(page.statusCode, responseBody(page)).toBe(200);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(responseBody(page))![1]!;
    const imported = `imported-${randomUUID().slice(0, 8)}@example.com`;
    const boundary = `----bundle${randomUUID()}`;
    const part = (headers: string, value: string) =>
      `--${boundary}\r\n${headers}\r\n\r\n${value}\r\n`;
    const body =
      part('Content-Disposition: form-data; name="_csrf"', csrf) +
      part(
        'Content-Disposition: form-data; name="file"; filename="readers.csv"\r\nContent-Type: text/csv',
        `email,topics,frequency,consent,consent_source\n${imported},security,weekly,yes,a paper form\n`,
      ) +
      `--${boundary}--\r\n`;
    const report = await admin().invoke<HttpResponse>(
      httpEvent('POST', `${BASE_URL}/admin/subscribers/import`, {
        headers: { cookie, 'content-type': `multipart/form-data; boundary=${boundary}` },
        body,
      }),
    );
    // Stored and queued; the kick to the jobs function has no Lambda to reach here, so the page
    // waits in vain and sends the editor to the import's page. The jobs function then runs it.
    expect(report.statusCode, responseBody(report)).toBe(303);
    const location = report.headers!.location!;
    expect(location).toMatch(/^\/admin\/subscribers\/imports\/[0-9a-f-]{36}$/);
    const waiting = await admin().invoke<HttpResponse>(
      httpEvent('GET', `${BASE_URL}${location}`, { headers: { cookie } }),
    );
    expect(responseBody(waiting)).toMatch(
      /data-testid="import-progress"[\s\S]*Importing: 0% of the file read/,
    );
    expect(responseBody(waiting)).toMatch(/<meta http-equiv="refresh" content="3"/);
    const run = await lambdas.jobs!.invoke<{ finished: string[] }>(
      schedulerInput(schedulerTemplates.jobs, 'dispatch-production-jobs'),
    );
    expect(run.finished).toEqual([location.split('/').at(-1)]);
    const done = await admin().invoke<HttpResponse>(
      httpEvent('GET', `${BASE_URL}${location}`, { headers: { cookie } }),
    );
    expect(responseBody(done)).toMatch(
      /data-testid="import-summary"[^>]*>\s*1 imported as confirmed · 0 queued/,
    );
    expect(responseBody(done)).not.toContain('import-progress');
  });
});

describe('images through the bundles: sharp in the admin package, bytes through API Gateway', () => {
  it('the admin function resizes an upload with its installed sharp; the api function serves it base64, byte for byte', async () => {
    const { default: sharp } = await import('sharp');
    const png = await sharp({
      create: { width: 1600, height: 800, channels: 3, background: '#246' },
    })
      .png()
      .toBuffer();
    const { key } = await createApiKey(
      {
        apiKeys: new DynamoApiKeyRepository(
          createDocumentClient({
            endpoint: dynamodb.url,
            region: 'us-east-1',
            credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
          }),
          TABLE,
        ),
        clock: systemClock,
      },
      { name: 'Bundle images', email: 'images@newsroom.example', role: 'editor' },
    );
    const boundary = `----bundle${randomUUID()}`;
    const body = Buffer.concat([
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="alt"\r\n\r\nA dark field\r\n`,
      ),
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="field.png"\r\nContent-Type: image/png\r\n\r\n`,
      ),
      png,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const uploaded = await lambdas.admin!.invoke<HttpResponse>(
      httpEvent('POST', `${BASE_URL}/api/admin/images`, {
        headers: {
          authorization: `Bearer ${key}`,
          'content-type': `multipart/form-data; boundary=${boundary}`,
        },
        body: new Uint8Array(body),
      }),
    );
    expect(uploaded.statusCode, responseBody(uploaded)).toBe(201);
    const { image } = JSON.parse(responseBody(uploaded)) as {
      image: { path: string; width: number };
    };
    expect(image.width).toBe(1200);
    const served = await api().invoke<HttpResponse>(httpEvent('GET', `${BASE_URL}${image.path}`));
    expect(served.statusCode).toBe(200);
    expect(served.isBase64Encoded).toBe(true);
    expect(served.headers['content-type']).toBe('image/png');
    expect(served.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const bytes = Buffer.from(served.body, 'base64');
    expect((await sharp(bytes).metadata()).width).toBe(1200);
  });
});

describe('scheduled functions (EventBridge Scheduler firings)', () => {
  it("each runs from its schedule's input as Scheduler fills it in, returns a summary and logs it with the invocation's request id", async () => {
    const scheduled = Object.keys(packages).filter(
      (name) => definition(name).trigger.kind === 'schedule',
    );
    expect(scheduled).toContain('tick');
    for (const name of scheduled) {
      expect(schedulerTemplates[name], name).toBeDefined();
      const event = schedulerInput(schedulerTemplates[name], `dispatch-production-${name}`);
      expect(event.time, name).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      const result = await lambdas[name]!.invoke(event);
      expect(result, name).toEqual(expect.any(Object));
      const lines = logLines(name);
      expect(lines, name).toContainEqual(
        expect.objectContaining({
          level: 'INFO',
          function_name: name,
          function_request_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
          eventId: event.id,
          schedule: expect.any(String),
          // What runs it, on every line: what an operator reads to pin a runtime release.
          node: lambdas[name]!.nodeVersion,
          awsSdk: sdkVersion,
        }),
      );
      for (const line of lines) expect(line.function_request_id, JSON.stringify(line)).toBeTruthy();
    }
  });
});

describe('outbox (DynamoDB Streams records)', () => {
  it('sends each queued entry once however often its record is delivered, and logs the batch', async () => {
    const email = `stream-${randomUUID().slice(0, 8)}@example.com`;
    await api().invoke(
      httpEvent('POST', `${BASE_URL}/api/subscribe`, {
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email }),
      }),
    );
    const event = await streamOfQueued();
    // Streams delivers at least once: the same batch twice, and concurrently, mails once.
    await Promise.all([lambdas.outbox!.invoke(event), lambdas.outbox!.invoke(event)]);
    await lambdas.outbox!.invoke(event);
    await waitFor(async () => ((await emailsTo(ses.url, email)).length ? true : undefined), email);
    expect(await emailsTo(ses.url, email)).toHaveLength(1);
    expect((await streamOfQueued()).Records).toHaveLength(0);
    expect(logLines('outbox')).toContainEqual(
      expect.objectContaining({
        function_name: 'outbox',
        function_request_id: expect.any(String),
        message: 'outbox woken',
        sent: 1,
      }),
    );
  });
});

describe('ses-events (an SES event through EventBridge)', () => {
  it('handles a bounce published by the configuration set', async () => {
    const email = `bounce-${randomUUID().slice(0, 8)}@example.com`;
    const event = sesBounceEvent({
      messageId: `0100018c-${randomUUID()}-000000`,
      recipient: email,
      configurationSet: CONFIGURATION_SET,
      from: 'newsletter@news.example.com',
    });
    await expect(lambdas.sesEvents!.invoke(event)).resolves.toMatchObject({ handled: true });
    expect(logLines('sesEvents')).toContainEqual(
      expect.objectContaining({
        function_name: 'sesEvents',
        function_request_id: expect.any(String),
        eventId: event.id,
        eventType: 'Bounce',
      }),
    );
  });
});

describe('sender (SQS messages of the fleet)', () => {
  const documents = () =>
    createDocumentClient({
      endpoint: dynamodb.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
  let key: string;
  const withKey = (method: string, path: string, body?: unknown) =>
    lambdas.admin!.invoke<HttpResponse>(
      httpEvent(method, `${BASE_URL}${path}`, {
        headers: {
          authorization: `Bearer ${key}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
    );
  /** Confirmed readers of a topic, and an issue to them that is sending. */
  async function sendingIssue(topic: string, count: number) {
    const subscribers = new DynamoSubscriberRepository(documents(), TABLE);
    const readers = Array.from({ length: count }, (_, i) =>
      aSubscriber({
        topics: [topic],
        email: `fleet-${topic}-${i}-${randomUUID().slice(0, 6)}@example.com`,
      }),
    );
    for (const r of readers) await subscribers.create(r);
    const created = await withKey('POST', '/api/admin/issues', {
      article: 'nato-western-balkans-stability',
      topics: [topic],
    });
    expect(created.statusCode, responseBody(created)).toBe(201);
    const { id } = (JSON.parse(responseBody(created)) as { issue: { id: string } }).issue;
    const sent = await withKey('POST', `/api/admin/issues/${id}/send`);
    expect(sent.statusCode, responseBody(sent)).toBe(200);
    return { readers, id };
  }
  const mailedOnce = async (readers: Subscriber[]) => {
    for (const r of readers) {
      await waitFor(
        async () => ((await emailsTo(ses.url, r.email)).length ? true : undefined),
        r.email,
      );
      expect(await emailsTo(ses.url, r.email), r.email).toHaveLength(1);
    }
  };
  const shardMessages = (id: string) =>
    Array.from({ length: SEND_SHARDS }, (_, shard) =>
      sqsEvent({
        messageId: randomUUID(),
        body: JSON.stringify({ issueId: id, shard }),
        receiveCount: 1,
      }),
    );

  beforeAll(async () => {
    const apiKeys = new DynamoApiKeyRepository(documents(), TABLE);
    key = (
      await createApiKey(
        { apiKeys, clock: systemClock },
        { name: 'Fleet', email: 'fleet@example.org', role: 'editor' },
      )
    ).key;
  });

  it('works one shard per message, several at once: each reader mailed once, and a message again sends nothing', async () => {
    const { readers, id } = await sendingIssue('politics', 16);
    const events = shardMessages(id);
    const answers = await Promise.all(
      events.map((e) => lambdas.sender!.invoke<SQSBatchResponse>(e)),
    );
    expect(answers).toEqual(events.map(() => ({ batchItemFailures: [] })));
    await Promise.all(events.slice(0, 2).map((e) => lambdas.sender!.invoke(e)));
    await mailedOnce(readers);
    expect(logLines('sender')).toContainEqual(
      expect.objectContaining({
        function_name: 'sender',
        function_request_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        message: 'sender done',
        shards: [expect.objectContaining({ issueId: id, outcome: 'settled' })],
      }),
    );
  });

  it("the admin's Send now and the tick queue a started issue's shards on the fleet's SQS queue, and the sender takes them from it", async () => {
    const { readers, id } = await sendingIssue('economy', 8);
    const tick = await lambdas.tick!.invoke<{ fleet: { queued: number } }>(
      schedulerInput(schedulerTemplates.tick, 'dispatch-production-tick'),
    );
    expect(tick.fleet).toEqual({ queued: SEND_SHARDS });
    const sqsClient = new SQSClient({
      region: 'us-east-1',
      endpoint: sqs.url,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    // Everything on the queue (SQS hands out at most 10 a call), earlier tests' sends among it.
    const Messages: Message[] = [];
    for (let empty = 0; empty < 3; ) {
      const received = await sqsClient.send(
        new ReceiveMessageCommand({ QueueUrl: sqs.queueUrl('ShardWork'), MaxNumberOfMessages: 10 }),
      );
      if (!received.Messages?.length) empty++;
      Messages.push(...(received.Messages ?? []));
    }
    sqsClient.destroy();
    // Every shard twice: once from the admin function's Send now, once from the tick.
    const ours = Messages.map((m) => JSON.parse(m.Body!) as { issueId: string; shard: number })
      .filter((w) => w.issueId === id)
      .map((w) => w.shard)
      .sort((a, b) => a - b);
    expect(ours).toEqual(Array.from({ length: SEND_SHARDS }, (_, s) => [s, s]).flat());
    // The tick sent them too (it is a sender as well); the fleet's messages then find each shard done.
    for (const m of Messages)
      await lambdas.sender!.invoke(
        sqsEvent({ messageId: m.MessageId!, body: m.Body!, receiveCount: 1 }),
      );
    await mailedOnce(readers);
  });
});

describe('reputationPause (a CloudWatch alarm state change through EventBridge)', () => {
  it('pauses every sending issue when a reputation alarm goes into ALARM, with the table alone', async () => {
    const alarm = reputationAlarmNames({ name: 'dispatch', stage: 'production' }).bounceRate;
    const issues = new DynamoIssueRepository(
      createDocumentClient({
        endpoint: dynamodb.url,
        region: 'us-east-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      }),
      TABLE,
    );
    const id = `reputation-${randomUUID().slice(0, 8)}`;
    const now = new Date().toISOString();
    await issues.create({
      id,
      content: { kind: 'article', slug: 'nato-western-balkans-stability' },
      subject: 'Paused by the alarm',
      audience: { topics: ['economy'], frequencies: ['immediate'] },
      state: 'sending',
      deliveryKey: `article:${id}`,
      createdAt: now,
      updatedAt: now,
      startedAt: now,
      total: 0,
      version: 1,
    });
    const result = await lambdas.reputationPause!.invoke<{ alarm: string; paused: string[] }>(
      alarmStateChangeEvent(alarm, 'ALARM'),
    );
    expect(result.alarm).toBe(alarm);
    expect(result.paused).toContain(id);
    expect(await issues.get(id)).toMatchObject({
      state: 'paused',
      pause: { reason: 'reputation_alarm' },
    });
    expect(await issues.listByState('sending')).toEqual([]);
    expect(logLines('reputationPause')).toContainEqual(
      expect.objectContaining({
        function_name: 'reputationPause',
        message: 'reputation alarm: sending paused',
        alarm,
      }),
    );
  });
});
