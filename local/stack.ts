import { once } from 'node:events';
import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import { S3Client } from '@aws-sdk/client-s3';
import { createDocumentClient, ensureTable } from '../functions/adapters/dynamo/client.js';
import { ensureBucket } from '../functions/adapters/s3/ensure-bucket.js';
import { MjmlIssueRenderer } from '../functions/adapters/mjml/mjml-renderer.js';
import { buildAdminDeps, parseConfig } from '../functions/config.js';
import { createAdminApp } from '../functions/http/admin/admin-app.js';
import type { AdminDeps } from '../functions/http/admin/deps.js';
import { createLogger, type Logger } from '../functions/logger.js';
import { dataDirOf, localEnvironment, writeStackInfo, type LocalStackInfo } from './environment.js';
import { startDynalite, startS3rver, startSesEmulator, type Running } from './emulators.js';
import { startOutboxPoller, type OutboxPoller } from './outbox-poller.js';
import { startWebhookPoller } from './webhook-poller.js';
import { startScheduler, type Scheduler } from './scheduler.js';
import { startLocalJobRunner } from './jobs.js';
import { startSenderFleet, type SenderFleet } from './sender-fleet.js';
import { localSesEvents } from './ses-events.js';
import { startSesGateway, type SesGateway } from './ses-gateway.js';

export type LocalStackOptions = {
  env?: NodeJS.ProcessEnv;
  /** Keep DynamoDB data under the data folder (npm start) or in memory (tests). */
  persist?: boolean;
  /** Run the schedules in-process. */
  schedules?: boolean;
  /** Run the outbox's sender in-process (default on: without it no email leaves). */
  outbox?: boolean;
  /** Hand SES's events to the ses-events handler (default on; a test that counts every write turns it off). */
  sesEvents?: boolean;
  /** Run the sender fleet in-process, SEND_FLEET_SIZE senders on an in-process queue (default: with the schedules). */
  fleet?: boolean;
  /** The stack's one logger: the mailer, the scheduler and the SES gateway report through it. */
  logger?: Logger;
};

export type LocalStack = LocalStackInfo & {
  deps: AdminDeps;
  dataDir: string;
  /** The SES gateway, when this stack started it (tests inject faults and read its counts). */
  sesGateway?: SesGateway;
  scheduler?: Scheduler;
  outbox?: OutboxPoller;
  fleet?: SenderFleet;
  close: () => Promise<void>;
};

const portOf = (value: string | undefined, fallback: number) =>
  value === undefined ? fallback : Number(value);

/**
 * Starts everything `npm start` runs, on the same code paths as AWS: emulators behind the SDK's
 * standard endpoint variables, the Hono app on Node, the schedules in-process. Endpoint variables
 * already set win, and their emulator is not started.
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const env = options.env ?? process.env;
  const logger = options.logger ?? createLogger();
  const dataDir = dataDirOf(env);
  await mkdir(dataDir, { recursive: true });
  const started: Running[] = [];
  const closers: (() => Promise<void>)[] = [];
  try {
    let dynamodbEndpoint = env.AWS_ENDPOINT_URL_DYNAMODB;
    if (!dynamodbEndpoint) {
      const db = await startDynalite({
        port: portOf(env.DYNAMODB_PORT, 8000),
        path: options.persist ? join(dataDir, 'dynamodb') : undefined,
      });
      started.push(db);
      dynamodbEndpoint = db.url;
    }
    // Files (exports, imports): s3rver, under the data folder when persisting.
    let s3Endpoint = env.AWS_ENDPOINT_URL_S3;
    if (!s3Endpoint) {
      const s3 = await startS3rver({
        port: portOf(env.S3_PORT, 8006),
        directory: options.persist ? join(dataDir, 's3') : undefined,
      });
      started.push(s3);
      s3Endpoint = s3.url;
    }
    let sesEndpoint = env.AWS_ENDPOINT_URL_SES;
    let inboxUrl: string | undefined;
    let sesGateway: SesGateway | undefined;
    if (!sesEndpoint) {
      // The emulator behind our gateway, which adds SES's quota, limits, simulator and events.
      const emulator = await startSesEmulator({ port: 0 });
      started.push(emulator);
      sesGateway = await startSesGateway({
        port: portOf(env.SES_PORT, 8005),
        upstream: emulator.url,
        maxSendRate: Number(env.LOCAL_SES_MAX_SEND_RATE ?? 14),
        max24HourSend: Number(env.LOCAL_SES_MAX_24_HOUR_SEND ?? 50_000),
        logger,
        // Handed to the ses-events handler as EventBridge and Lambda would: retried, then dead-lettered.
        onEvent: options.sesEvents === false ? undefined : localSesEvents({ dataDir, logger }),
      });
      started.push(sesGateway);
      sesEndpoint = inboxUrl = sesGateway.url;
    }

    // The app's own address is part of its configuration (BASE_URL), so listen before building it.
    let handle: (request: Request, env: unknown) => Response | Promise<Response> = () =>
      new Response('starting', { status: 503 });
    const server = serve({
      fetch: (request, bindings) => handle(request, bindings),
      port: portOf(env.PORT, 3000),
      hostname: '127.0.0.1',
    });
    if (!server.listening) await once(server, 'listening');
    closers.push(
      () =>
        new Promise((resolve) => {
          (server as import('node:http').Server).closeAllConnections?.();
          server.close(() => resolve());
        }),
    );
    const appUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const stackEnv = await localEnvironment(env, {
      appUrl,
      dynamodb: dynamodbEndpoint,
      ses: sesEndpoint,
      s3: s3Endpoint,
    });
    // The app reads its configuration from process.env, as on Lambda: the caller's settings, then ours.
    if (env !== process.env)
      for (const [key, value] of Object.entries(env))
        if (value !== undefined) process.env[key] = value;
    Object.assign(process.env, stackEnv);
    const config = parseConfig(process.env);
    // A request that creates a job (an export) runs it in-process at once, as the kick does on AWS.
    const jobRunner = startLocalJobRunner({
      budgetMs: Number(env.LOCAL_TICK_BUDGET_MS ?? 50_000),
      logger,
    });
    closers.push(() => jobRunner.stop());
    // One server locally; on AWS the workspace (/admin, /api/admin) is its own function.
    const deps = await buildAdminDeps(config, new MjmlIssueRenderer(config.TEMPLATES_DIR), logger);
    await ensureTable(createDocumentClient(), config.TABLE_NAME);
    if (config.BLOB_BUCKET) {
      const s3 = new S3Client({ forcePathStyle: true });
      await ensureBucket(s3, config.BLOB_BUCKET, new URL(config.BASE_URL).origin);
      s3.destroy();
    }
    const app = createAdminApp(deps, {
      clientIp: (c) => getConnInfo(c).remote.address,
      logger,
    });
    handle = (request, bindings) => app.fetch(request, bindings);

    let outbox: OutboxPoller | undefined;
    if (options.outbox !== false) {
      const poller = await startOutboxPoller({ logger });
      outbox = poller;
      closers.push(() => poller.stop());
      // Webhooks go with the outbox: a stack that sends no email (a test counting writes) sends none.
      const webhooks = startWebhookPoller({ logger });
      closers.push(() => webhooks.stop());
    }

    // Before the schedules, so the first tick finds the queue; stopped after them.
    let fleet: SenderFleet | undefined;
    if (options.fleet ?? options.schedules) {
      const started = await startSenderFleet({
        size: config.SEND_FLEET_SIZE,
        budgetMs: Number(env.LOCAL_TICK_BUDGET_MS ?? 50_000),
        logger,
      });
      fleet = started;
      // As deployed: the rate is divided between the scheduled functions and every sender.
      const workers = env.SEND_WORKERS ?? String(3 + config.SEND_FLEET_SIZE);
      Object.assign(process.env, { SHARD_QUEUE_URL: started.url, SEND_WORKERS: workers });
      closers.push(async () => {
        await started.stop();
        // A stack started next in this process (tests) must not find a queue nobody consumes.
        delete process.env.SHARD_QUEUE_URL;
        if (env.SEND_WORKERS === undefined) delete process.env.SEND_WORKERS;
      });
    }

    let scheduler: Scheduler | undefined;
    if (options.schedules) {
      scheduler = startScheduler({
        logger,
        budgetMs: Number(env.LOCAL_TICK_BUDGET_MS ?? 50_000),
      });
      closers.push(async () => scheduler?.stop());
    }

    const info: LocalStackInfo = {
      appUrl,
      dynamodbEndpoint,
      sesEndpoint,
      s3Endpoint,
      inboxUrl,
      env: stackEnv,
    };
    await writeStackInfo(dataDir, info);
    return {
      ...info,
      deps,
      dataDir,
      sesGateway,
      scheduler,
      outbox,
      fleet,
      close: async () => {
        for (const close of closers.reverse()) await close();
        for (const s of started.reverse()) await s.close();
      },
    };
  } catch (error) {
    for (const close of closers.reverse()) await close().catch(() => {});
    for (const s of started.reverse()) await s.close().catch(() => {});
    throw error;
  }
}
