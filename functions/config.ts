/**
 * The composition root: the environment is parsed once, with zod, and the adapters are built
 * here. Nothing else reads `process.env`.
 */
import { resolve } from 'node:path';
import * as z from 'zod';
import { defaultDigestSchedules } from '../infra/schedule-definitions.js';
import {
  articleCatalog,
  loadFields,
  loadTopics,
  type ArticleCatalog,
} from './adapters/content/fs-content.js';
import { contentImageSizes } from './adapters/content/content-images.js';
import { createDocumentClient } from './adapters/dynamo/client.js';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoIssueRepository } from './adapters/dynamo/dynamo-issues.js';
import { DynamoDeliveryLedger, DynamoLedgerReview } from './adapters/dynamo/dynamo-ledger.js';
import { DynamoSenderRegistry } from './adapters/dynamo/dynamo-sender-registry.js';
import { DynamoEventLog } from './adapters/dynamo/dynamo-event-log.js';
import { DynamoPublicationLog } from './adapters/dynamo/dynamo-publication-log.js';
import { DynamoSuppressionList } from './adapters/dynamo/dynamo-suppression-list.js';
import { DynamoSubscriberRepository } from './adapters/dynamo/dynamo-subscribers.js';
import { DynamoSignupReads } from './adapters/dynamo/dynamo-signup-reads.js';
import { DynamoOutboxStore } from './adapters/dynamo/dynamo-outbox.js';
import { transactionalBudget } from './core/delivery/rate-budget.js';
import type { Pacing } from './core/delivery/deps.js';
import type { OutboxDeps } from './core/outbox/deps.js';
import type { OutboxStore } from './core/outbox/ports.js';
import { SqsShardQueue } from './adapters/sqs/sqs-shard-queue.js';
import { InProcessShardQueue } from './adapters/queue/in-process-shard-queue.js';
import type { ShardQueue } from './core/delivery/fleet.js';
import { SesQuotaSource } from './adapters/ses/ses-quota.js';
import { outboxArchive } from './adapters/ses/outbox.js';
import { SesMailer } from './adapters/ses/ses-mailer.js';
import { transactionalTemplates } from './adapters/templates/transactional.generated.js';
import { systemClock } from './core/clock.js';
import type { IssueRenderer, IssueRepository, Mailer } from './core/ports.js';
import type { ApiKeyRepository } from './core/access/api-keys.js';
import { DynamoApiKeyRepository } from './adapters/dynamo/dynamo-api-keys.js';
import { DynamoSessionRepository } from './adapters/dynamo/dynamo-sessions.js';
import { DynamoDirectory } from './adapters/dynamo/dynamo-directory.js';
import { DynamoIdempotencyStore } from './adapters/dynamo/dynamo-idempotency.js';
import type { Publication } from './core/publication.js';
import type { SubscriberDeps } from './core/subscribers/deps.js';
import { TokenSigner } from './core/tokens.js';
import { parseOldSecrets, SuppressionKeys } from './core/suppression-key.js';
import type { AbuseDeps } from './core/abuse/ports.js';
import { DynamoRateLimiter } from './adapters/dynamo/dynamo-rate-limiter.js';
import { DynamoAuditLog } from './adapters/dynamo/dynamo-audit-log.js';
import { DynamoEngagementStore } from './adapters/dynamo/dynamo-engagement.js';
import { DynamoReaderTrail } from './adapters/dynamo/dynamo-reader-trail.js';
import { FileDisposableDomains } from './adapters/abuse/disposable-domains.js';
import { TurnstileVerifier } from './adapters/abuse/turnstile.js';
import { createLogger, type Logger } from './logger.js';
import { emfMetrics } from './metrics.js';
import type { ImportDeps } from './core/subscribers/import-job.js';
import { IMPORT_KIND, importKind } from './core/subscribers/import-jobs.js';
import { LambdaJobKicker } from './adapters/lambda/lambda-job-kicker.js';
import { DynamoJobRepository } from './adapters/dynamo/dynamo-jobs.js';
import type { JobKind } from './core/jobs/job.js';
import { EXPORT_KIND, exportKind } from './core/subscribers/export-job.js';
import type { JobKicker } from './core/jobs/ports.js';
import { S3BlobStore } from './adapters/s3/s3-blob-store.js';
import type { BlobReader, BlobStore } from './core/ports.js';
import { S3BlobReader } from './adapters/s3/s3-blob-reader.js';
import { contentImages } from './adapters/content/content-images.js';
import { DEFAULT_IMAGE_MAX_BYTES, MAX_IMAGE_BODY_BYTES } from './core/images/limits.js';
import { DynamoWebhookStore } from './adapters/dynamo/dynamo-webhooks.js';
import { DynamoSegmentStore } from './adapters/dynamo/dynamo-segments.js';
import type { SegmentStore } from './core/segments/ports.js';
import {
  DynamoWorkspaceArticleList,
  DynamoWorkspaceArticleStore,
} from './adapters/dynamo/dynamo-workspace-articles.js';
import type { WorkspaceArticleStore } from './core/articles/ports.js';
import { combinedCatalog, type ArticleSource } from './core/articles/catalog.js';
import { HttpWebhookPoster } from './adapters/webhooks/http-poster.js';
import { withIssueEvents } from './core/webhooks/issue-events.js';
import type { AddressPolicy } from './core/webhooks/address.js';
import type { WebhookSenderDeps, WebhookStore } from './core/webhooks/ports.js';

const envSchema = z.object({
  TABLE_NAME: z.string().min(1),
  /** The public origin readers reach; every link in every email starts with it. */
  BASE_URL: z.url().transform((url) => url.replace(/\/+$/, '')),
  SIGNING_SECRET: z.string().min(32, 'must be at least 32 characters (use a random value)'),
  /**
   * The key of the suppression list's hashes (HMAC), which outlive an erased reader: not the
   * signing secret, so a leaked link key does not let anyone test addresses against the list.
   */
  SUPPRESSION_SECRET: z.string().min(32, 'must be at least 32 characters (use a random value)'),
  /** The version new suppressions are written under; raise it when SUPPRESSION_SECRET changes. */
  SUPPRESSION_KEY_VERSION: z.coerce.number().int().min(1).default(1),
  /** Retired secrets, kept for lookup only: `<version>:<secret>,…` (docs/security.md). */
  SUPPRESSION_OLD_SECRETS: z
    .string()
    .optional()
    .superRefine((value, ctx) => {
      try {
        parseOldSecrets(value);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
      }
    }),
  PUBLICATION_NAME: z.string().min(1),
  FROM_ADDRESS: z.email(),
  FROM_NAME: z.string().optional(),
  REPLY_TO: z.email().optional(),
  POSTAL_ADDRESS: z.string().min(1),
  LIST_ID: z
    .string()
    .regex(/^[A-Za-z0-9.-]+$/)
    .optional(),
  SES_CONFIGURATION_SET: z.string().optional(),
  /** Local stack only: keep each sent message's raw MIME here. */
  OUTBOX_DIR: z.string().optional(),
  CONTENT_DIR: z.string().default('content'),
  TEMPLATES_DIR: z.string().default('templates'),
  /**
   * The digests' EventBridge schedules, which the deployment gives the tick: it starts a digest
   * whose latest firing left none (a failed run, an outage).
   */
  DAILY_DIGEST_SCHEDULE: z.string().default(defaultDigestSchedules.daily),
  WEEKLY_DIGEST_SCHEDULE: z.string().default(defaultDigestSchedules.weekly),
  /** Share of SES's MaxSendRate the service may use, bulk and transactional together. */
  SEND_RATE_FRACTION: z.coerce.number().gt(0).max(1).default(0.8),
  /** The share of that rate reserved for transactional mail (the outbox); bulk sends get the rest. */
  TRANSACTIONAL_RATE_SHARE: z.coerce.number().gt(0).max(1).default(0.2),
  /** Workers that may send at once: on AWS the scheduled functions and the whole fleet (up to 1,000). */
  SEND_WORKERS: z.coerce.number().int().min(1).max(1_100).default(1),
  /**
   * Sends each worker keeps in flight at once, sharing the worker's pace: SES answers in tens of
   * milliseconds, so one at a time caps a worker near 25 a second whatever the rate allows. A
   * worker killed mid-send leaves at most this many readers ambiguous (never a duplicate).
   */
  SEND_LANES: z.coerce.number().int().min(1).max(64).default(8),
  /**
   * Senders the fleet runs at once (the sender function's maximum concurrency on AWS, the local
   * stack's in-process senders); each works one shard of an issue at a time.
   */
  SEND_FLEET_SIZE: z.coerce.number().int().min(1).max(1000).default(8),
  /**
   * The fleet's queue of shard work (the deployment's SQS queue URL; `in-process://…` in the
   * local stack). Unset: no fleet, the tick and the digests send alone.
   */
  SHARD_QUEUE_URL: z.string().min(1).optional(),
  /** A fixed total send rate (messages per second), overriding the quota: benchmarks and tests. */
  SEND_RATE: z.coerce.number().gt(0).optional(),
  /** Seconds a dead worker's shard waits before another worker takes it over. */
  SEND_LEASE_SECONDS: z.coerce.number().int().min(1).max(900).default(120),
  /** Milliseconds to open a connection to DynamoDB before the call fails (and is retried). */
  DYNAMODB_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(1).default(2_000),
  /** Milliseconds DynamoDB has to answer a call before it is abandoned and retried. */
  DYNAMODB_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(1).default(5_000),
  /** Milliseconds to open a connection to SES; a send that never connected is retried. */
  SES_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(1).default(2_000),
  /** Milliseconds SES has to answer a send; a send that timed out is ambiguous, never resent. */
  SES_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(1).default(10_000),
  /**
   * Seconds after its claim that an outbox email whose sender never recorded SES's answer waits
   * for SES's receipt (its Send event) before it is sent again (core/outbox/entry.ts,
   * RECEIPT_WINDOW_MS, says why 600). Longer than SES_REQUEST_TIMEOUT_MS, so a live sender's claim
   * is never taken for a dead one's.
   */
  OUTBOX_RECEIPT_WINDOW_SECONDS: z.coerce.number().int().min(1).max(86_400).default(600),
  /**
   * Milliseconds before a failed webhook delivery's first retry; each next one waits twice as
   * long (jittered, capped at an hour), for a day after the event (docs/webhooks.md).
   */
  WEBHOOK_RETRY_BASE_MS: z.coerce.number().int().min(1).default(30_000),
  /** Failed webhook attempts in a row that disable an endpoint, if they span WEBHOOK_DISABLE_AFTER_MINUTES. */
  WEBHOOK_DISABLE_AFTER_FAILURES: z.coerce.number().int().min(1).default(20),
  WEBHOOK_DISABLE_AFTER_MINUTES: z.coerce.number().min(0).default(60),
  /** Signups (any address) one client IP may make per hour, across all API instances; 0 turns the limit off. */
  SIGNUP_LIMIT_PER_IP_PER_HOUR: z.coerce.number().int().min(0).default(20),
  /**
   * Signups of one address per hour, whatever their outcome; 0 (the default) turns it off. Off,
   * because what it guards is already guarded: the confirmation emails to an address are limited
   * in its record (1 a minute, 3 a day, counted on queued entries), so hammering one address
   * floods no inbox, and a refused attempt costs as much as an admitted one (its counter write
   * beside the signup's read). On, it adds that write to every signup, a third DynamoDB call.
   */
  SIGNUP_LIMIT_PER_ADDRESS_PER_HOUR: z.coerce.number().int().min(0).default(0),
  /**
   * Wrong API keys one client network (an IPv6 /64), or one key prefix, may present in 15
   * minutes, at sign-in and the admin API, before it is refused (429) even with a right one; 0
   * turns it off. A key is 256 random bits, so this is not what keeps keys safe: it keeps a
   * guesser from trying at the service's full speed, and makes one show in the logs.
   */
  KEY_FAILURES_PER_15_MIN: z.coerce.number().int().min(0).default(10),
  /**
   * Bad link tokens (confirm, unsubscribe, preferences) one client network may present in 15
   * minutes before its token requests are refused (429); 0 turns it off. Only failures count, so
   * a mail provider's servers posting many readers' one-click unsubscribes are not held back.
   */
  TOKEN_FAILURES_PER_15_MIN: z.coerce.number().int().min(0).default(30),
  /** The packaged list of throwaway-inbox domains refused at signup (relative to the working directory); empty turns the check off. */
  DISPOSABLE_DOMAINS_FILE: z.string().default('data/disposable-domains.txt.br'),
  /**
   * The bucket of files (exports, imports): infra/storage.ts's on AWS, the local stack's on
   * s3rver (`AWS_ENDPOINT_URL_S3`). Unset: no blob store, and exports and imports answer 503.
   */
  BLOB_BUCKET: z.string().min(3).optional(),
  /**
   * The `jobs` function, which a request creating a job (an export) invokes so it starts at once.
   * Unset (the local stack): the job runs in-process, or at the next minute's run.
   */
  JOBS_FUNCTION_NAME: z.string().min(1).optional(),
  /**
   * The largest image an editor may upload, in bytes (docs/content-and-email.md, "Images"). On AWS
   * a request reaches the admin function only under Lambda's 6 MB payload, base64 and all: 4 MB.
   */
  IMAGE_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(MAX_IMAGE_BODY_BYTES)
    .default(DEFAULT_IMAGE_MAX_BYTES),
  /** Cloudflare Turnstile's secret key: when set, every signup needs a token Turnstile vouches for. Off by default. */
  TURNSTILE_SECRET_KEY: z.string().min(1).optional(),
  /** Turnstile's site key (public): the signup forms show its widget. Set with the secret key, or neither. */
  TURNSTILE_SITE_KEY: z.string().min(1).optional(),
});

export type Config = z.output<typeof envSchema>;

/** Every variable the configuration reads; infra's contract test holds each function's environment to it. */
export const configKeys = Object.keys(envSchema.shape) as (keyof typeof envSchema.shape)[];
/** The variables without a default: a function deployed without one fails at its first cold start. */
export const requiredConfigKeys = configKeys.filter(
  (key) => !envSchema.shape[key].safeParse(undefined).success,
);

/** The one error a bad configuration throws: each variable named, with what is wrong with it. */
const invalidConfig = (problems: string[]) =>
  new Error(`configuration is incomplete or invalid:\n${problems.map((p) => `  ${p}`).join('\n')}`);
const problemsOf = (error: z.ZodError) =>
  error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);

export function parseConfig(env: Record<string, string | undefined>): Config {
  const result = envSchema.safeParse(env);
  if (!result.success) throw invalidConfig(problemsOf(result.error));
  // The widget without the check protects nothing; the check without the widget locks every
  // reader out of the hosted form.
  if (!result.data.TURNSTILE_SITE_KEY !== !result.data.TURNSTILE_SECRET_KEY) {
    const missing = result.data.TURNSTILE_SITE_KEY ? 'TURNSTILE_SECRET_KEY' : 'TURNSTILE_SITE_KEY';
    throw invalidConfig([
      `${missing}: must be set together with ${missing === 'TURNSTILE_SITE_KEY' ? 'TURNSTILE_SECRET_KEY' : 'TURNSTILE_SITE_KEY'} (or neither)`,
    ]);
  }
  // A window no longer than a send may wait for SES would resend what a live sender is sending.
  if (result.data.OUTBOX_RECEIPT_WINDOW_SECONDS * 1000 <= result.data.SES_REQUEST_TIMEOUT_MS)
    throw invalidConfig([
      `OUTBOX_RECEIPT_WINDOW_SECONDS: must be longer than SES_REQUEST_TIMEOUT_MS (${result.data.SES_REQUEST_TIMEOUT_MS} ms)`,
    ]);
  return result.data;
}

/**
 * The parts of the configuration a function may parse instead of the whole (least privilege):
 * `table` for the reputation alarm's pause, `suppressions` (the table and the suppression keys)
 * for `ses-events`, `publication` for the feeds. None has the link-signing secret, which those
 * functions are not given.
 */
const configParts = {
  table: envSchema.pick({
    TABLE_NAME: true,
    DYNAMODB_CONNECT_TIMEOUT_MS: true,
    DYNAMODB_REQUEST_TIMEOUT_MS: true,
  }),
  /** The table and the suppression list's keys: ses-events suppresses what bounces. */
  suppressions: envSchema.pick({
    TABLE_NAME: true,
    DYNAMODB_CONNECT_TIMEOUT_MS: true,
    DYNAMODB_REQUEST_TIMEOUT_MS: true,
    SUPPRESSION_SECRET: true,
    SUPPRESSION_KEY_VERSION: true,
    SUPPRESSION_OLD_SECRETS: true,
  }),
  publication: envSchema.pick({
    // The workspace's articles are in the table: the feeds read them too.
    TABLE_NAME: true,
    DYNAMODB_CONNECT_TIMEOUT_MS: true,
    DYNAMODB_REQUEST_TIMEOUT_MS: true,
    BASE_URL: true,
    PUBLICATION_NAME: true,
    FROM_ADDRESS: true,
    FROM_NAME: true,
    REPLY_TO: true,
    POSTAL_ADDRESS: true,
    LIST_ID: true,
    CONTENT_DIR: true,
    TURNSTILE_SITE_KEY: true,
  }),
};
export type ConfigPart = keyof typeof configParts;
export type TableConfig = z.output<(typeof configParts)['table']>;
export type PublicationConfig = z.output<(typeof configParts)['publication']>;
export type SuppressionConfig = z.output<(typeof configParts)['suppressions']>;

/** The variables each part requires; infra's contract test holds those functions to them. */
export const requiredConfigKeysOf = (part: ConfigPart) =>
  requiredConfigKeys.filter((key) => key in configParts[part].shape);

function parsePart<P extends ConfigPart>(
  part: P,
  env: Record<string, string | undefined>,
): z.output<(typeof configParts)[P]> {
  const result = configParts[part].safeParse(env);
  if (!result.success) throw invalidConfig(problemsOf(result.error));
  return result.data as z.output<(typeof configParts)[P]>;
}
export const parseTableConfig = (env: Record<string, string | undefined>) =>
  parsePart('table', env);
export const parsePublicationConfig = (env: Record<string, string | undefined>) =>
  parsePart('publication', env);
export const parseSuppressionConfig = (env: Record<string, string | undefined>) =>
  parsePart('suppressions', env);

export async function buildPublication(config: PublicationConfig): Promise<Publication> {
  return {
    name: config.PUBLICATION_NAME,
    baseUrl: config.BASE_URL,
    fromName: config.FROM_NAME ?? config.PUBLICATION_NAME,
    fromAddress: config.FROM_ADDRESS,
    replyTo: config.REPLY_TO,
    postalAddress: config.POSTAL_ADDRESS,
    listId: config.LIST_ID ?? `newsletter.${new URL(config.BASE_URL).hostname}`,
    topics: await loadTopics(resolve(config.CONTENT_DIR)),
    fields: await loadFields(resolve(config.CONTENT_DIR)),
    contentImages: await contentImageSizes(resolve(config.CONTENT_DIR)),
    captchaSiteKey: config.TURNSTILE_SITE_KEY,
  };
}

/**
 * Every AWS client's HTTP timeouts. The installed @smithy/node-http-handler only logs a warning
 * when `requestTimeout` passes unless `throwOnRequestTimeout` is set: without it a call that is
 * never answered waits for ever.
 */
function timeouts(connectionTimeout: number, requestTimeout: number) {
  return { requestHandler: { connectionTimeout, requestTimeout, throwOnRequestTimeout: true } };
}

const sesClientConfig = (config: Config) =>
  timeouts(config.SES_CONNECT_TIMEOUT_MS, config.SES_REQUEST_TIMEOUT_MS);

/**
 * One DynamoDB document client per configuration, shared by every adapter built from it: one
 * connection pool per process, however many builders run (delivery and admin build on the app's).
 * A new configuration (a test restarting the local stack on new ports) gets a client of its own.
 */
const documentClients = new WeakMap<TableConfig, DynamoDBDocumentClient>();

/** The suppression list's keyed hashes, current and retired (core/suppression-key.ts). */
export const suppressionKeysOf = (config: SuppressionConfig) =>
  new SuppressionKeys(
    config.SUPPRESSION_SECRET,
    config.SUPPRESSION_KEY_VERSION,
    parseOldSecrets(config.SUPPRESSION_OLD_SECRETS),
  );

export function documentClientFor(config: TableConfig): DynamoDBDocumentClient {
  let client = documentClients.get(config);
  if (!client) {
    client = createDocumentClient(
      timeouts(config.DYNAMODB_CONNECT_TIMEOUT_MS, config.DYNAMODB_REQUEST_TIMEOUT_MS),
    );
    documentClients.set(config, client);
  }
  return client;
}

/**
 * The blob store, or undefined without a bucket. Path-style addressing: the emulator needs it and
 * AWS serves it too, so presigned links look the same everywhere. The endpoint is the SDK's own
 * `AWS_ENDPOINT_URL_S3` when set. DynamoDB's connect timeout; six times its request timeout, since
 * a 5 MiB part takes longer to send than an item.
 */
export function blobStoreOf(config: Config): BlobStore | undefined {
  if (!config.BLOB_BUCKET) return undefined;
  let store = blobStores.get(config);
  if (!store) {
    store = new S3BlobStore(
      s3Client(config.DYNAMODB_CONNECT_TIMEOUT_MS, config.DYNAMODB_REQUEST_TIMEOUT_MS * 6),
      config.BLOB_BUCKET,
    );
    blobStores.set(config, store);
  }
  return store;
}
const blobStores = new WeakMap<Config, BlobStore>();

/**
 * The uploaded images' reader (GetObject alone: the public function's one S3 call). Added by the
 * public handler and buildAdminDeps, not buildAppDeps, which the sending functions build on too:
 * their bundles must not carry an S3 call they are not granted.
 */
export function blobReaderOf(config: Config): BlobReader | undefined {
  if (!config.BLOB_BUCKET) return undefined;
  return new S3BlobReader(
    s3Client(config.DYNAMODB_CONNECT_TIMEOUT_MS, config.DYNAMODB_REQUEST_TIMEOUT_MS),
    config.BLOB_BUCKET,
  );
}

/** An S3 client built on first use (functions/adapters/aws/on-first-use.ts says why). */
const s3Client = (connectTimeout: number, requestTimeout: number) => async () => {
  const { S3Client } = await import('@aws-sdk/client-s3');
  return new S3Client({ forcePathStyle: true, ...timeouts(connectTimeout, requestTimeout) });
};

export type AppDeps = SubscriberDeps & {
  /** Where requests queue their emails (test sends) and editors see the given-up ones. */
  outbox: OutboxStore;
  /** The `content/` files and the workspace's visible articles, as one catalog. */
  articles: ArticleSource;
  issues: IssueRepository;
  apiKeys: ApiKeyRepository;
  /** Webhook endpoints and their deliveries (docs/webhooks.md). */
  webhooks: WebhookStore;
  addressPolicy: AddressPolicy;
  /** Saved audiences an issue may target (docs/workspace-and-api.md, "Segments"). */
  segments: SegmentStore;
  /** Articles written in the workspace, and their revisions (docs/content-and-email.md). */
  workspaceArticles: WorkspaceArticleStore;
  /** The `content/` files alone: a workspace article may not take one of their slugs. */
  contentArticles: ArticleCatalog;
  /** Uploaded images (`images/<name>` in the bucket), served at /images/<name>; none without a bucket. */
  images?: BlobReader;
  /** content/images/, served at /images/content/<name>. */
  contentImages?: BlobReader;
};

/**
 * Everything the HTTP app needs. No MJML here, and no SES: requests queue their emails in the
 * outbox and the outbox's sender sends them (buildOutboxDeps). `logger` is
 * the process's own (a handler's, to which it adds each invocation's context); the default is for
 * entry points that log nothing of their own (the CLI, tests).
 */
export async function buildAppDeps(config: Config, logger = createLogger()): Promise<AppDeps> {
  const publication = await buildPublication(config);
  const client = documentClientFor(config);
  const catalogs = catalogsOf(config, publication, logger);
  return {
    subscribers: new DynamoSubscriberRepository(client, config.TABLE_NAME),
    suppressions: new DynamoSuppressionList(client, config.TABLE_NAME, suppressionKeysOf(config)),
    signupReads: new DynamoSignupReads(client, config.TABLE_NAME, suppressionKeysOf(config)),
    outbox: new DynamoOutboxStore(client, config.TABLE_NAME),
    templates: transactionalTemplates,
    signer: new TokenSigner(config.SIGNING_SECRET),
    clock: systemClock,
    publication,
    articles: catalogs.articles,
    // Its start and end queue webhook events (core/webhooks/issue-events.ts).
    issues: withIssueEvents(new DynamoIssueRepository(client, config.TABLE_NAME), {
      webhooks: new DynamoWebhookStore(client, config.TABLE_NAME),
      clock: systemClock,
    }),
    apiKeys: new DynamoApiKeyRepository(client, config.TABLE_NAME),
    abuse: buildAbuseDeps(config, client),
    webhooks: new DynamoWebhookStore(client, config.TABLE_NAME),
    addressPolicy: addressPolicyOf(config),
    segments: new DynamoSegmentStore(client, config.TABLE_NAME),
    workspaceArticles: new DynamoWorkspaceArticleStore(client, config.TABLE_NAME),
    contentArticles: catalogs.contentArticles,
    contentImages: contentImages(resolve(config.CONTENT_DIR)),
  };
}

/**
 * A deployed stage is one served over https: its webhooks must be https to public addresses.
 * The local stack (http://127.0.0.1) may deliver to loopback, where its tests' receivers are.
 */
export const addressPolicyOf = (config: Pick<Config, 'BASE_URL'>): AddressPolicy => ({
  deployed: config.BASE_URL.startsWith('https://'),
});

/** The webhook sender (the tick's sweep on AWS, the local poller): the table and an HTTP client. */
export function buildWebhookSenderDeps(config: Config): WebhookSenderDeps {
  const addressPolicy = addressPolicyOf(config);
  return {
    webhooks: new DynamoWebhookStore(documentClientFor(config), config.TABLE_NAME),
    clock: systemClock,
    addressPolicy,
    poster: new HttpWebhookPoster(addressPolicy),
    retryBaseMs: config.WEBHOOK_RETRY_BASE_MS,
    disablePolicy: {
      failures: config.WEBHOOK_DISABLE_AFTER_FAILURES,
      spanMs: config.WEBHOOK_DISABLE_AFTER_MINUTES * 60_000,
    },
  };
}

/** The signup's abuse defences; each is described with its variable above. */
export function buildAbuseDeps(config: Config, client: DynamoDBDocumentClient): AbuseDeps {
  const keys = suppressionKeysOf(config);
  return {
    rateLimiter: new DynamoRateLimiter(client, config.TABLE_NAME),
    limits: {
      perIpPerHour: config.SIGNUP_LIMIT_PER_IP_PER_HOUR,
      perAddressPerHour: config.SIGNUP_LIMIT_PER_ADDRESS_PER_HOUR,
    },
    guessLimits: { keys: config.KEY_FAILURES_PER_15_MIN, tokens: config.TOKEN_FAILURES_PER_15_MIN },
    disposableDomains: config.DISPOSABLE_DOMAINS_FILE
      ? new FileDisposableDomains(resolve(config.DISPOSABLE_DOMAINS_FILE))
      : undefined,
    captcha: config.TURNSTILE_SECRET_KEY
      ? new TurnstileVerifier(config.TURNSTILE_SECRET_KEY)
      : undefined,
    // Not the suppression's own key: the input differs, so the two never match.
    addressKey: (email) => keys.current(`rate:${email}`),
  };
}

function pacingOf(config: Config): Pacing {
  return {
    rateFraction: config.SEND_RATE_FRACTION,
    workers: config.SEND_WORKERS,
    lanes: config.SEND_LANES,
    fixedRate: config.SEND_RATE,
    transactionalShare: config.TRANSACTIONAL_RATE_SHARE,
    leaseMs: config.SEND_LEASE_SECONDS * 1000,
  };
}

/** The outbox's sender (the Streams consumer, the tick's sweep, the local poller): MJML-free. */
export async function buildOutboxDeps(config: Config, logger = createLogger()) {
  const app = await buildAppDeps(config, logger);
  const quota = new SesQuotaSource(sesClientConfig(config));
  const pacing = pacingOf(config);
  // Registered as it sends, so bulk senders borrow transactional mail's share only while it is unused.
  const presence = {
    registry: new DynamoSenderRegistry(documentClientFor(config), config.TABLE_NAME),
    clock: app.clock,
  };
  return {
    ...app,
    mailer: buildMailer(config, app.publication, logger) as Mailer,
    quota,
    pacing,
    budget: transactionalBudget(quota, pacing, undefined, undefined, presence),
    // EMF lines through the function's own logger: sends, outbox batches (functions/metrics.ts).
    metrics: emfMetrics(logger),
    receiptWindowMs: config.OUTBOX_RECEIPT_WINDOW_SECONDS * 1000,
  } satisfies OutboxDeps & Record<string, unknown>;
}

/** The send pipeline's dependencies; the renderer is passed in so MJML loads only where it is used. */
export async function buildDeliveryDeps(
  config: Config,
  renderer: IssueRenderer,
  logger = createLogger(),
) {
  const outbox = await buildOutboxDeps(config, logger);
  const client = documentClientFor(config);
  return {
    ...outbox,
    ledger: new DynamoDeliveryLedger(client, config.TABLE_NAME),
    senders: new DynamoSenderRegistry(client, config.TABLE_NAME),
    publications: new DynamoPublicationLog(client, config.TABLE_NAME),
    renderer,
    shardQueue: shardQueueOf(config),
  };
}

/** The fleet's queue, if this deployment (or local stack) has one. */
function shardQueueOf(config: Config): ShardQueue | undefined {
  const url = config.SHARD_QUEUE_URL;
  if (!url) return undefined;
  if (!url.startsWith('in-process://')) return new SqsShardQueue(url);
  // Another process of the local stack (the CLI) inherits the URL but not the queue: it sends alone.
  return InProcessShardQueue.byUrl.get(url);
}

/** The editors' workspace: the app's dependencies, sessions, and MJML for previews and test sends. */
export async function buildAdminDeps(
  config: Config,
  renderer: IssueRenderer,
  logger = createLogger(),
) {
  const app = await buildAppDeps(config, logger);
  const client = documentClientFor(config);
  return {
    ...app,
    sessions: new DynamoSessionRepository(client, config.TABLE_NAME),
    directory: new DynamoDirectory(client, config.TABLE_NAME),
    idempotency: new DynamoIdempotencyStore(client, config.TABLE_NAME),
    ledger: new DynamoLedgerReview(client, config.TABLE_NAME),
    publications: new DynamoPublicationLog(client, config.TABLE_NAME),
    renderer,
    shardQueue: shardQueueOf(config),
    blobs: blobStoreOf(config),
    jobs: new DynamoJobRepository(client, config.TABLE_NAME),
    jobKicker: jobKickerOf(config, logger),
    auditLog: new DynamoAuditLog(client, config.TABLE_NAME),
    readerTrail: new DynamoReaderTrail(client, config.TABLE_NAME),
    engagement: new DynamoEngagementStore(client, config.TABLE_NAME),
    images: blobReaderOf(config),
    maxImageBytes: config.IMAGE_MAX_BYTES,
    logger,
  };
}

/**
 * Wakes the job runner: the `jobs` function on AWS; locally whatever the local stack registered
 * (an in-process run), or nothing, and the minute's schedule runs the job.
 */
function jobKickerOf(config: Config, logger: Logger): JobKicker | undefined {
  if (!config.JOBS_FUNCTION_NAME) return localJobKicker.current;
  const client = async () => {
    const { LambdaClient } = await import('@aws-sdk/client-lambda');
    return new LambdaClient(
      timeouts(config.DYNAMODB_CONNECT_TIMEOUT_MS, config.DYNAMODB_REQUEST_TIMEOUT_MS),
    );
  };
  return new LambdaJobKicker(client, config.JOBS_FUNCTION_NAME, logger);
}
/** The local stack's in-process runner, when it runs one (local/jobs.ts). */
export const localJobKicker: { current?: JobKicker } = {};

/** The job runner's dependencies: the jobs, and what each kind of job needs. */
export function buildJobsDeps(config: Config, logger = createLogger()) {
  const client = documentClientFor(config);
  const kindDeps = {
    directory: new DynamoDirectory(client, config.TABLE_NAME),
    subscribers: new DynamoSubscriberRepository(client, config.TABLE_NAME),
    blobs: blobStoreOf(config),
    logger,
    ...lazyImportDeps(config),
  };
  const kinds: Record<string, JobKind<typeof kindDeps>> = {
    [EXPORT_KIND]: exportKind,
    [IMPORT_KIND]: withDeps(importKind, (deps) => deps.importDeps()),
  };
  return {
    jobs: new DynamoJobRepository(client, config.TABLE_NAME),
    clock: systemClock,
    kinds,
    kindDeps,
    logger,
  };
}

/**
 * What an import's steps need: the subscribers' dependencies and the blob store, built at the
 * first import step (the publication's topics are read from its files) and kept.
 */
function lazyImportDeps(config: Config) {
  let built: Promise<ImportDeps> | undefined;
  const build = async (): Promise<ImportDeps> => {
    const blobs = blobStoreOf(config);
    if (!blobs) throw new Error('An import needs a blob store: set BLOB_BUCKET.');
    const client = documentClientFor(config);
    const subscribers = new DynamoSubscriberRepository(client, config.TABLE_NAME);
    const suppressions = new DynamoSuppressionList(
      client,
      config.TABLE_NAME,
      suppressionKeysOf(config),
    );
    return {
      subscribers,
      suppressions,
      signupReads: new DynamoSignupReads(client, config.TABLE_NAME, suppressionKeysOf(config)),
      templates: transactionalTemplates,
      signer: new TokenSigner(config.SIGNING_SECRET),
      clock: systemClock,
      publication: await buildPublication(config),
      blobs,
      // New readers' `reader.created` ride on their records (core/webhooks/reader-events.ts).
      webhooks: new DynamoWebhookStore(client, config.TABLE_NAME),
    };
  };
  return { importDeps: () => (built ??= build()) };
}

/** A kind whose steps get their own dependencies out of the runner's. */
function withDeps<D, K>(kind: JobKind<K>, depsOf: (deps: D) => Promise<K>): JobKind<D> {
  return { step: async (deps, job) => kind.step(await depsOf(deps), job) };
}

/** What the `ses-events` function needs: no mailer, no templates (the outbox's items, for receipts). */
export function buildEventDeps(config: SuppressionConfig) {
  const client = documentClientFor(config);
  return {
    subscribers: new DynamoSubscriberRepository(client, config.TABLE_NAME),
    outbox: new DynamoOutboxStore(client, config.TABLE_NAME),
    suppressions: new DynamoSuppressionList(client, config.TABLE_NAME, suppressionKeysOf(config)),
    issues: new DynamoIssueRepository(client, config.TABLE_NAME),
    engagement: new DynamoEngagementStore(client, config.TABLE_NAME),
    events: new DynamoEventLog(client, config.TABLE_NAME),
    clock: systemClock,
    webhooks: new DynamoWebhookStore(client, config.TABLE_NAME),
  };
}

/**
 * The articles: the `content/` files, the workspace's (in the table), and the two as the one
 * catalog every reader uses (core/articles/catalog.ts). A collision is logged once per slug per
 * instance: the file is served, and `npm test` and the deploy's check name the slug.
 */
function catalogsOf(config: PublicationConfig, publication: Publication, logger: Logger) {
  const contentArticles = articleCatalog(
    resolve(config.CONTENT_DIR),
    publication.topics,
    publication.fields,
  );
  // The list alone: the feeds' bundle then holds (and is granted) only its Query.
  const workspaceList = new DynamoWorkspaceArticleList(
    documentClientFor(config),
    config.TABLE_NAME,
  );
  const told = new Set<string>();
  const once = (slug: string, say: () => void) => {
    if (!told.has(slug)) say();
    told.add(slug);
  };
  const articles = combinedCatalog(contentArticles, workspaceList, {
    clock: systemClock,
    publication,
    onInvalid: (slug, error) =>
      once(slug, () =>
        logger.warn('A workspace article no longer passes validation; it is not served', {
          slug,
          error,
        }),
      ),
    onCollision: (slug) =>
      once(slug, () =>
        logger.error("A content/ file has a workspace article's slug; the file is served", {
          slug,
        }),
      ),
  });
  return { contentArticles, articles };
}

/**
 * What the feeds function needs: the publication and its articles, the package's files and the
 * workspace's (one Query of the table, cached as the catalog caches it).
 */
export async function buildFeedDeps(config: PublicationConfig) {
  const publication = await buildPublication(config);
  return { publication, articles: catalogsOf(config, publication, createLogger()).articles };
}

/** What the reputation alarm's pause needs: the issues (and the readers a transition may count). */
export function buildPauseDeps(config: TableConfig) {
  const client = documentClientFor(config);
  return {
    issues: new DynamoIssueRepository(client, config.TABLE_NAME),
    subscribers: new DynamoSubscriberRepository(client, config.TABLE_NAME),
    clock: systemClock,
  };
}

function buildMailer(config: Config, publication: Publication, logger: Logger) {
  return new SesMailer({
    logger,
    from: { name: publication.fromName, address: publication.fromAddress },
    replyTo: publication.replyTo,
    configurationSet: config.SES_CONFIGURATION_SET,
    clientConfig: sesClientConfig(config),
    archive: config.OUTBOX_DIR ? outboxArchive(resolve(config.OUTBOX_DIR)) : undefined,
  });
}
