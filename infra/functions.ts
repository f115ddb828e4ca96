/**
 * Every Lambda function of the deployment, as plain data. The infra files (`api.ts`, `events.ts`,
 * `schedules.ts`) turn each entry into an SST component, and the tests read the same object to
 * check it against the code without AWS: the configuration each handler parses, the SDK calls
 * each bundle makes (so the IAM grants are exactly those), and the bundles themselves, built and
 * invoked as Lambda would. No `sst` globals here, so tests and the local stack can import it.
 */
import { scheduleDefinitions } from './schedule-definitions.js';

/**
 * Node.js 22, named rather than left to SST's default (nodejs24.x since SST 4.x; Lambda has run
 * Node.js 24 since November 2025): the bundles are built for `node22` (tests/support/lambda-bundle.ts
 * builds them as SST does) and every bundle is run on Node 22 in CI (scripts/node22.sh pins the
 * 22.x release, tests/e2e/lambda-bundles.test.ts holds each to this major), so moving to 24 is a
 * change made on purpose, with the bundler's target and that script, not one a SST upgrade makes.
 * Lambda deprecates nodejs22.x on 30 April 2027. Which release of the runtime (its Node patch
 * release and its SDK) a function runs changes only at a deploy, or never while
 * DISPATCH_LAMBDA_RUNTIME_VERSION pins one (infra/runtime-updates.ts). arm64 (Graviton) costs 20%
 * less per GB-second than x86_64 and the code has no native modules, so nothing needs building
 * per architecture (CI runs the same JavaScript on x64).
 */
export const lambdaRuntime = { runtime: 'nodejs22.x', architecture: 'arm64' } as const;

/**
 * Left out of every bundle:
 * - `@aws-sdk/*`: the Lambda Node.js runtime ships SDK v3 (clients and lib-dynamodb), so the
 *   bundles do not carry ~390 KB of it; that is what keeps the API bundle under its 500 KB budget
 *   and its cold start short, and it is what lets tests/e2e/lambda-bundles.test.ts read each
 *   bundle's SDK calls (its imports) and hold its grants to them. The price: the SDK that runs is
 *   the runtime release's, not package-lock's (3.1169, what the tests give each package), usually
 *   a little older, and AWS does not publish which. So each function logs the SDK it loaded
 *   (`awsSdk` on every line, functions/logger.ts), the release changes only when a deploy does, or
 *   stays put under a pin (infra/runtime-updates.ts), and the code uses only long-stable calls
 *   (Get/Put/Update/Delete/Query/Scan/Batch*, SendRawEmail, GetSendQuota, SendMessage, S3's object
 *   calls, Invoke). Bundling the SDK instead would fix its version but cost the size budget and
 *   the bundle test's reading of each function's calls.
 * - `typescript`: mjml reads an optional `.mjmlconfig` through cosmiconfig, which requires the
 *   TypeScript compiler (4 MB) only for a `.ts` config file; there is none, so it is never loaded.
 */
export const bundleExternals = ['@aws-sdk/*', 'typescript'] as const;

/**
 * Folders copied into each function's package beside the bundle (SST `copyFiles`). Lambda starts
 * Node in the package root (`/var/task`), so the relative paths below are what `CONTENT_DIR` and
 * `TEMPLATES_DIR` say, exactly as the local stack's defaults.
 */
export const packagedFolders = {
  content: 'content',
  templates: 'templates',
  data: 'data',
} as const;
export type PackagedFolder = keyof typeof packagedFolders;

/** DynamoDB data-plane actions, on the table and its indexes only. No Scan, no table management. */
export type TableAction =
  | 'dynamodb:GetItem'
  | 'dynamodb:BatchGetItem'
  | 'dynamodb:Query'
  | 'dynamodb:PutItem'
  | 'dynamodb:UpdateItem'
  | 'dynamodb:DeleteItem'
  | 'dynamodb:BatchWriteItem'
  | 'dynamodb:Scan';

/** SES actions: sending on the sending identity and configuration set; the quota is account-wide. */
export type SesAction = 'ses:SendRawEmail' | 'ses:GetSendQuota';

/** SQS actions on the fleet's queue of shard work (infra/fleet.ts); SendMessage covers SendMessageBatch. */
export type QueueAction = 'sqs:SendMessage';

/**
 * S3 actions, on the blob bucket's objects only (`${bucket.arn}/*`). PutObject covers the
 * multipart calls that build an object; GetObject covers HeadObject (and a presigned GET).
 */
export type BlobAction =
  | 's3:PutObject'
  | 's3:GetObject'
  | 's3:DeleteObject'
  | 's3:AbortMultipartUpload';

/** Lambda actions: the one function a request wakes (the `jobs` runner), by its fixed name. */
export type InvokeAction = 'lambda:InvokeFunction';

/** What the event source hands the handler; the bundle tests invoke each with that shape. */
export type Trigger =
  | { kind: 'http' }
  | { kind: 'schedule'; schedule: string; expression: string }
  | { kind: 'ses-events' }
  | { kind: 'dynamodb-stream' }
  | { kind: 'sqs'; queue: 'shard-work' }
  | { kind: 'alarm-state-change' };

/** A variable of `functions/config.ts` that the deployment sets (OUTBOX_DIR is local only). */
export type DeployedVariable =
  | 'TABLE_NAME'
  | 'BASE_URL'
  | 'SIGNING_SECRET'
  | 'SUPPRESSION_SECRET'
  | 'PUBLICATION_NAME'
  | 'FROM_ADDRESS'
  | 'FROM_NAME'
  | 'REPLY_TO'
  | 'POSTAL_ADDRESS'
  | 'LIST_ID'
  | 'SES_CONFIGURATION_SET'
  | 'CONTENT_DIR'
  | 'TEMPLATES_DIR'
  | 'SEND_WORKERS'
  | 'SEND_RATE_FRACTION'
  | 'TRANSACTIONAL_RATE_SHARE'
  | 'SHARD_QUEUE_URL'
  | 'TURNSTILE_SITE_KEY'
  | 'TURNSTILE_SECRET_KEY'
  | 'DAILY_DIGEST_SCHEDULE'
  | 'WEEKLY_DIGEST_SCHEDULE'
  | 'BLOB_BUCKET'
  | 'JOBS_FUNCTION_NAME';

export type FunctionDefinition = {
  /** `path/to/file.export`, from the project root, as SST's `handler`. */
  handler: string;
  description: string;
  memory: `${number} MB`;
  timeout: `${number} seconds` | `${number} minutes`;
  /** Set where SES's sending rate needs a cap on how many run at once. */
  reservedConcurrency?: number;
  /** Retries of a failed asynchronous invocation (EventBridge), 0-2; unset leaves no invoke config (Lambda's two, and no event age). */
  retries?: number;
  /** How long a throttled asynchronous invocation may wait before Lambda drops it. */
  maxEventAgeSeconds?: number;
  /**
   * Where an asynchronous invocation goes once its retries are spent (or it grew too old):
   * the SQS dead-letter queue of infra/dead-letters.ts. Needs `retries` set (SST creates the
   * invocation config only then), and grants the function sqs:SendMessage on that queue alone.
   */
  onFailure?: 'dead-letter-queue';
  /** The configuration variables the function is given (the values come from infra/environment.ts). */
  environment: readonly DeployedVariable[];
  copyFiles: readonly PackagedFolder[];
  table: readonly TableAction[];
  ses: readonly SesAction[];
  /** Queuing shard work for the fleet: whatever starts or resumes an issue, and the sender itself. */
  queue?: readonly QueueAction[];
  /** The blob bucket's objects (exports, imports, images); what the S3 adapter's calls need. */
  s3?: readonly BlobAction[];
  /** Invoking the `jobs` function asynchronously (a request that creates a job wakes it). */
  invoke?: readonly InvokeAction[];
  /**
   * Packages installed into the function's node_modules rather than bundled (SST's
   * `nodejs.install`): native modules esbuild cannot bundle. SST leaves `sharp` out of every
   * bundle; the admin function, which resizes uploaded images, is the one that loads it.
   */
  install?: readonly string[];
  /**
   * Deployed as `<app>-<stage>-<name>` rather than a generated name, so another function can be
   * told it (and granted it) without depending on this one's component.
   */
  fixedName?: boolean;
  /**
   * The part of the configuration the handler parses (functions/config.ts): `table` (the table's
   * variables alone, `parseTableConfig`), `suppressions` (those and the suppression list's key,
   * `parseSuppressionConfig`) or `publication` (the publication's, `parsePublicationConfig`).
   * Neither is given the signing secret. Unset: the whole configuration (`parseConfig`).
   */
  config?: 'table' | 'suppressions' | 'publication';
  trigger: Trigger;
};

/** Required by `parseConfig` whatever the handler does with them. */
const requiredVariables = [
  'TABLE_NAME',
  'BASE_URL',
  'SIGNING_SECRET',
  'SUPPRESSION_SECRET',
  'PUBLICATION_NAME',
  'FROM_ADDRESS',
  'POSTAL_ADDRESS',
] as const;
/** The sender and the content: everything that builds a `Publication`. */
const publicationVariables = [
  ...requiredVariables,
  'FROM_NAME',
  'REPLY_TO',
  'LIST_ID',
  'SES_CONFIGURATION_SET',
  'CONTENT_DIR',
] as const;
/** How every function that sends splits SES's rate (the bulk workers and the outbox alike). */
const rateVariables = ['SEND_RATE_FRACTION', 'TRANSACTIONAL_RATE_SHARE'] as const;
/** Where the signup forms are served and posted (the API; feeds carry no form): the publication, and Turnstile's keys when it is on. */
const signupVariables = [
  ...publicationVariables,
  'TURNSTILE_SITE_KEY',
  'TURNSTILE_SECRET_KEY',
] as const;

/**
 * The data-plane calls each function's code makes, no more: tests/e2e/lambda-bundles.test.ts reads
 * the SDK commands left in each bundle after tree shaking and fails when these lists differ.
 */
const readWrite: readonly TableAction[] = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
];
/** Readers' records are written whole (conditional puts on their version); UpdateItem is for the admin API (a key's last use, issue states). */
const apiTable: readonly TableAction[] = readWrite;
/** What sends: the ledger marks a page of sends with BatchWriteItem. */
const sendingTable: readonly TableAction[] = [...readWrite, 'dynamodb:BatchWriteItem'];

/** Every call of the S3 adapter (functions/adapters/s3/s3-blob-store.ts) as IAM names it. */
const blobActions: readonly BlobAction[] = [
  's3:AbortMultipartUpload',
  's3:DeleteObject',
  's3:GetObject',
  's3:PutObject',
];

/**
 * Every scheduled function renders MJML once per issue and sends. One of each may run at a time:
 * the send pipeline splits SES's MaxSendRate between `SEND_WORKERS` workers, which is the sum of
 * these reservations (infra/environment.ts), so together they stay under the account's rate.
 * The time budget: a worker sends until `context.getRemainingTimeInMillis()` says the timeout
 * is near, then stops cleanly and the next tick resumes. Five minutes amortises the render and
 * the quota read over thousands of messages, and bounds how late a due issue can start when the
 * tick is busy sending (the every-minute ticks that find it busy are throttled and, after 60 s,
 * dropped rather than queued for hours: the next one comes a minute later anyway).
 */
const sendingWorker = {
  memory: '1024 MB',
  timeout: '5 minutes',
  reservedConcurrency: 1,
  retries: 0,
  maxEventAgeSeconds: 60,
  environment: [
    ...publicationVariables,
    ...rateVariables,
    'TEMPLATES_DIR',
    'SEND_WORKERS',
    'SHARD_QUEUE_URL',
  ],
  copyFiles: ['content', 'templates'],
  table: sendingTable,
  ses: ['ses:SendRawEmail', 'ses:GetSendQuota'],
  queue: ['sqs:SendMessage'],
} as const satisfies Omit<FunctionDefinition, 'handler' | 'description' | 'trigger'>;

/**
 * What differs between the scheduled functions. A digest firing that fails is tried again (Lambda's
 * two retries, a minute or two apart): its period's digest is one conditional write, so a retry
 * that finds it started only resumes sending, and the hour's wait covers the retries. The tick
 * still drops a throttled or failed firing (the next comes a minute later) and is the digests'
 * last resort: it knows their schedules and starts a digest whose firings all failed.
 */
const perSchedule: Record<string, Partial<FunctionDefinition>> = {
  tick: {
    environment: [...sendingWorker.environment, 'DAILY_DIGEST_SCHEDULE', 'WEEKLY_DIGEST_SCHEDULE'],
  },
  dailyDigest: { retries: 2, maxEventAgeSeconds: 3600 },
  weeklyDigest: { retries: 2, maxEventAgeSeconds: 3600 },
};

/**
 * The job runner (core/jobs/run-jobs.ts): one at a time (reserved concurrency 1, so the minute's
 * firing and a request's kick never run two), five minutes a run; a throttled firing is dropped
 * after 60 s as the tick's are, since the next comes a minute later. Its grants are its jobs':
 * the export reads every reader and writes the file.
 */
const jobsFunction: FunctionDefinition = {
  handler: scheduleDefinitions.jobs.handler,
  description: scheduleDefinitions.jobs.description,
  memory: '1024 MB',
  timeout: '5 minutes',
  reservedConcurrency: 1,
  retries: 0,
  maxEventAgeSeconds: 60,
  // Exports page through every reader (the Directory's Scan) into the bucket; imports check
  // each row against the publication's topics (content/), create readers (conditional puts, the
  // counters' UpdateItem) and read a page's suppressions in one BatchGetItem.
  environment: [...publicationVariables, 'BLOB_BUCKET'],
  copyFiles: ['content'],
  table: [
    'dynamodb:BatchGetItem',
    'dynamodb:DeleteItem',
    'dynamodb:GetItem',
    'dynamodb:PutItem',
    'dynamodb:Query',
    'dynamodb:Scan',
    'dynamodb:UpdateItem',
  ],
  ses: [],
  s3: blobActions,
  fixedName: true,
  trigger: { kind: 'schedule', schedule: 'jobs', expression: scheduleDefinitions.jobs.expression },
};

const scheduled = Object.fromEntries(
  Object.entries(scheduleDefinitions)
    .filter(([name]) => name !== 'jobs')
    .map(([name, schedule]) => [
      name,
      {
        ...sendingWorker,
        ...perSchedule[name],
        handler: schedule.handler,
        description: schedule.description,
        trigger: { kind: 'schedule', schedule: name, expression: schedule.expression },
      } satisfies FunctionDefinition,
    ]),
);

export const functionDefinitions: Record<string, FunctionDefinition> = {
  /**
   * The Hono app: pages, the JSON API. It never calls SES: a signup or a confirmation queues its
   * email in the reader's record, and the outbox's sender sends it. 512 MB gives enough CPU for a
   * quick cold start; a request is a few DynamoDB calls, far inside 10 s (API Gateway itself
   * gives up at 30 s). No reserved concurrency: reserving would take from the account's pool.
   */
  api: {
    handler: 'functions/handlers/api.handler',
    description: 'Signup, confirm, preferences, unsubscribe, articles',
    memory: '512 MB',
    timeout: '10 seconds',
    // BLOB_BUCKET: the uploaded images it serves (/images/<name>), read with GetObject alone.
    environment: [...signupVariables, 'BLOB_BUCKET'],
    // data/: the disposable-domain list, read on an instance's first signup; too big to bundle.
    // content/: the articles, and content/images/, served at /images/content/<name>.
    copyFiles: ['content', 'data'],
    table: apiTable,
    ses: [],
    s3: ['s3:GetObject'],
    trigger: { kind: 'http' },
  },
  /**
   * RSS and Atom (/feed.xml, /atom.xml): the public app plus the feed library, which would push the
   * signup API past its size budget. Feed readers poll; responses carry ETags and a 5-minute cache.
   */
  feeds: {
    handler: 'functions/handlers/feeds.handler',
    description: 'RSS and Atom feeds',
    memory: '512 MB',
    timeout: '10 seconds',
    // The articles and topics in content/, and the workspace's articles: one Query of the table
    // (core/articles/catalog.ts). No secret, no write.
    environment: publicationVariables.filter(
      (v) => !['SIGNING_SECRET', 'SUPPRESSION_SECRET', 'SES_CONFIGURATION_SET'].includes(v),
    ),
    config: 'publication',
    copyFiles: ['content'],
    table: ['dynamodb:Query'],
    ses: [],
    trigger: { kind: 'http' },
  },
  /**
   * The editors' workspace (/admin) and admin API (/api/admin): previews and test sends render
   * MJML, which is why it is not the public API (whose bundle must stay small and MJML-free).
   * 1024 MB for the render; 30 s covers an import of a few thousand rows.
   */
  admin: {
    handler: 'functions/handlers/admin.handler',
    description: "Editors' workspace and admin API",
    memory: '1024 MB',
    timeout: '30 seconds',
    // SHARD_QUEUE_URL: "Send now" and "Resume" queue the issue's shards for the fleet at once.
    environment: [
      ...publicationVariables,
      'TEMPLATES_DIR',
      'SHARD_QUEUE_URL',
      'BLOB_BUCKET',
      'JOBS_FUNCTION_NAME',
    ],
    // data/: the disposable-domain list, read when an editor adds a subscriber (as the signup API).
    copyFiles: ['content', 'templates', 'data'],
    // Scan: the suppression list. The subscriber list and its searches are Queries of the
    // listing index (GSI3), which need no Scan; the export Scans in the jobs function.
    table: [...readWrite, 'dynamodb:Scan'],
    // Test sends are queued in the outbox like every transactional email.
    ses: [],
    queue: ['sqs:SendMessage'],
    // Download and upload links are presigned with its role: they work only with these grants.
    // Image uploads are PutObject; it serves them too (the public app is part of it locally).
    s3: blobActions,
    // Uploaded images are resized with sharp, a native module: installed for Lambda's Linux arm64.
    install: ['sharp'],
    // A job it creates (an export) starts at once: it wakes the `jobs` function.
    invoke: ['lambda:InvokeFunction'],
    trigger: { kind: 'http' },
  },
  /**
   * Bounces, complaints, deliveries, opens and clicks: small writes. Lambda's two retries stay:
   * a failed store is thrown on purpose so EventBridge's event is tried again; an event that
   * fails all three times is kept in the dead-letter queue for `npm run events -- replay`.
   */
  sesEvents: {
    handler: 'functions/handlers/ses-events.handler',
    description: 'SES events: suppress bounced and complaining addresses, count engagement',
    memory: '256 MB',
    timeout: '30 seconds',
    // The table and the suppression list's key (parseSuppressionConfig): no signing secret.
    environment: ['TABLE_NAME', 'SUPPRESSION_SECRET'],
    config: 'suppressions',
    copyFiles: [],
    table: readWrite,
    ses: [],
    retries: 2,
    onFailure: 'dead-letter-queue',
    trigger: { kind: 'ses-events' },
  },
  /**
   * The outbox's sender, on the table's stream (infra/outbox.ts): confirmations, welcomes and test
   * sends, within seconds of the write that queued them, at the transactional share of SES's
   * rate. Precompiled templates, no MJML. One invocation per stream shard at a time; five
   * minutes lets it wait out a throttle's backoff instead of leaving the entry to the tick.
   */
  outbox: {
    handler: 'functions/handlers/outbox.handler',
    description: 'Outbox: confirmation, welcome and test emails from the table stream',
    memory: '512 MB',
    timeout: '5 minutes',
    environment: [...publicationVariables, ...rateVariables],
    copyFiles: ['content'],
    table: readWrite,
    ses: ['ses:SendRawEmail', 'ses:GetSendQuota'],
    trigger: { kind: 'dynamodb-stream' },
  },
  /**
   * The sender fleet (infra/fleet.ts): one shard of a sending issue per SQS message, as many at
   * once as DISPATCH_SEND_FLEET_SIZE (the event source's maximum concurrency, not a reservation:
   * an idle fleet holds none of the account's concurrency). The scheduled functions' size and
   * time budget, for the same reasons; no asynchronous invocation settings, SQS is polled.
   */
  sender: {
    handler: 'functions/handlers/sender.handler',
    description: 'Sender fleet: works one shard of a sending issue per queue message',
    memory: sendingWorker.memory,
    timeout: sendingWorker.timeout,
    environment: sendingWorker.environment,
    copyFiles: sendingWorker.copyFiles,
    table: sendingWorker.table,
    ses: sendingWorker.ses,
    queue: sendingWorker.queue,
    trigger: { kind: 'sqs', queue: 'shard-work' },
  },
  /**
   * Pauses every sending and scheduled issue when SES's bounce or complaint rate alarm fires
   * (infra/reputation-pause.ts, core/issues/reputation-pause.ts), after setting the sending hold.
   * A few reads and conditional writes; Lambda's two retries, then its dead-letter queue (alarmed)
   * and its Errors alarm, if the table refuses.
   */
  reputationPause: {
    handler: 'functions/handlers/reputation-alarm.handler',
    description: 'Pauses all sending when an SES reputation alarm fires',
    memory: '256 MB',
    timeout: '30 seconds',
    environment: ['TABLE_NAME'],
    config: 'table',
    copyFiles: [],
    // It lists (Query), reads and writes issues; the issue and reader repositories' other calls
    // are in its bundle too, and the bundle test holds the grants to the bundle.
    table: readWrite,
    ses: [],
    retries: 2,
    // A pause that failed is a hold not set: its event goes to a dead-letter queue, alarmed.
    onFailure: 'dead-letter-queue',
    trigger: { kind: 'alarm-state-change' },
  },
  ...scheduled,
  jobs: jobsFunction,
};

/**
 * Workers that may send at once, the fleet aside: the scheduled functions' reservations. The send
 * pipeline divides SES's rate between these and the fleet's senders (SEND_WORKERS).
 */
export const sendWorkers = Object.values(functionDefinitions)
  .filter((f) => f.trigger.kind === 'schedule' && f.ses.includes('ses:SendRawEmail'))
  .reduce((sum, f) => sum + (f.reservedConcurrency ?? 0), 0);

/**
 * The fleet's queue, as plain data (the tests read it too). A message comes back after the
 * visibility timeout only when its sender failed or was killed (a shard left at the deadline is
 * queued again at once), so it must outlast the sender's whole run: twice its 5-minute timeout.
 * After `maxReceives` failures it is a dead letter; the shard itself stays open, and every tick
 * queues an open shard again, so a dead letter is a symptom to read, not work that was lost.
 */
export const shardWorkQueue = {
  visibilityTimeout: '10 minutes',
  maxReceives: 5,
  batch: { size: 1, partialResponses: true },
} as const;

/** The file SST bundles for a handler (`functions/handlers/api.handler` -> `functions/handlers/api.ts`). */
export function handlerFile(handler: string): { file: string; exportName: string } {
  const dot = handler.lastIndexOf('.');
  return { file: `${handler.slice(0, dot)}.ts`, exportName: handler.slice(dot + 1) };
}
