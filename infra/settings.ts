/**
 * The publication's deployment settings, read from the environment of `sst deploy`, so a fork
 * deploys without editing code and each stage can have its own domain. None of them is a secret
 * (they are printed in every email); the secrets are `sst.Secret`s (infra/secrets.ts).
 * No `sst` globals here: the contract tests read it too.
 */
import * as z from 'zod';

const hostname = z
  .string()
  .regex(
    /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/,
    'must be a domain name such as news.example.com',
  );

/** As the code's own check: more than nothing, at most all. Kept a string: it is a variable's value. */
const rateShare = z
  .string()
  .refine((v) => Number(v) > 0 && Number(v) <= 1, 'must be a number above 0 and at most 1');

const settingsSchema = z.object({
  /**
   * The domain mail is sent from: SES verifies it (DKIM records) and DMARC is published for it.
   * Best a subdomain used only for the newsletter (news.example.com), so its DMARC record cannot
   * clash with the organisation's own mail. Its DNS must be a Route 53 hosted zone in the account.
   */
  DISPATCH_DOMAIN: hostname,
  /** Readers' address for pages and links (a Route 53 zone too); unset: the API Gateway URL. */
  DISPATCH_WEB_DOMAIN: hostname.optional(),
  DISPATCH_PUBLICATION_NAME: z.string().min(1).default('The Regional Dispatch'),
  /** Default: newsletter@<DISPATCH_DOMAIN>. */
  DISPATCH_FROM_ADDRESS: z.email().optional(),
  DISPATCH_FROM_NAME: z.string().min(1).optional(),
  DISPATCH_REPLY_TO: z.email().optional(),
  /** The sender's postal address, printed in every footer (CAN-SPAM and the like require one). */
  DISPATCH_POSTAL_ADDRESS: z.string().min(1),
  DISPATCH_LIST_ID: z
    .string()
    .regex(/^[A-Za-z0-9.-]+$/)
    .optional(),
  /**
   * Cloudflare Turnstile's site key (public): set it and signups need the widget's token; the
   * deploy then also wants the `TurnstileSecretKey` secret (infra/secrets.ts). Unset: no CAPTCHA.
   */
  DISPATCH_TURNSTILE_SITE_KEY: z.string().min(1).optional(),
  /**
   * Senders that may run at once (the sender function's SQS maximum concurrency; SQS allows 2 to
   * 1,000). Each works one shard of an issue, so past the shard count more add nothing to one
   * issue; docs/sending.md says what an issue gets.
   */
  DISPATCH_SEND_FLEET_SIZE: z.coerce.number().int().min(2).max(1000).default(8),
  /**
   * API Gateway's throttle on every route (the stage's default route settings): requests per
   * second on average, and the burst above it. AWS's account-wide default (10,000 a second) would
   * let a flood start thousands of Lambda instances at the account's expense; a reader's pages,
   * feeds and links need far less. Past the limit API Gateway answers 429 without invoking anything.
   */
  DISPATCH_API_RATE_LIMIT: z.coerce.number().int().min(1).max(10_000).default(200),
  DISPATCH_API_BURST_LIMIT: z.coerce.number().int().min(1).max(5_000).default(400),
  /** Where the deployment's alarms are mailed (infra/alerts.ts); unset, they only show in CloudWatch. */
  DISPATCH_ALERT_EMAIL: z.email().optional(),
  /**
   * The split of SES's rate (functions/config.ts reads them as SEND_RATE_FRACTION and
   * TRANSACTIONAL_RATE_SHARE): the share of MaxSendRate the service may use, and the part of it
   * reserved for the outbox's confirmations and welcomes. Unset: the code's defaults (0.8, 0.2).
   */
  DISPATCH_SEND_RATE_FRACTION: rateShare.optional(),
  DISPATCH_TRANSACTIONAL_RATE_SHARE: rateShare.optional(),
  /**
   * Pins every function to one release of its runtime (nodejs22.x), and so to the AWS SDK that
   * release ships (infra/runtime-updates.ts): its runtime version ARN, which only a deployed
   * function tells (`aws lambda get-runtime-management-config`, docs/deploy.md). One ARN serves
   * every function: a release is per runtime and region, not per function. Unset: each function
   * takes the newest release when it is deployed.
   */
  DISPATCH_LAMBDA_RUNTIME_VERSION: z
    .string()
    .regex(
      /^arn:aws:lambda:[a-z]{2}(-[a-z]+)+-\d::runtime:[0-9a-f]{64}$/,
      'must be a runtime version ARN, arn:aws:lambda:<region>::runtime:<64 hex digits>, as `aws lambda get-runtime-management-config` prints it',
    )
    .optional(),
});

export type DeploySettings = {
  domain: string;
  webDomain?: string;
  publicationName: string;
  fromAddress: string;
  fromName?: string;
  replyTo?: string;
  postalAddress: string;
  listId?: string;
  turnstileSiteKey?: string;
  alertEmail?: string;
  sendRateFraction?: string;
  transactionalRateShare?: string;
  sendFleetSize: number;
  apiThrottle: { rateLimit: number; burstLimit: number };
  lambdaRuntimeVersion?: string;
};

export function readDeploySettings(env: Record<string, string | undefined>): DeploySettings {
  const result = settingsSchema.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(
      `deployment settings are incomplete (set them in the environment of \`sst deploy\`, see README "Deploy"):\n${lines.join('\n')}`,
    );
  }
  const s = result.data;
  if (s.DISPATCH_FROM_ADDRESS && !s.DISPATCH_FROM_ADDRESS.endsWith(`@${s.DISPATCH_DOMAIN}`)) {
    throw new Error(
      `DISPATCH_FROM_ADDRESS (${s.DISPATCH_FROM_ADDRESS}) must be an address at DISPATCH_DOMAIN (${s.DISPATCH_DOMAIN}): SES sends only from the verified domain`,
    );
  }
  // A release exists only in its region: another region's ARN would fail the deploy half-way.
  const region = env.AWS_REGION ?? 'us-east-1';
  const pinned = s.DISPATCH_LAMBDA_RUNTIME_VERSION;
  if (pinned && pinned.split(':')[3] !== region) {
    throw new Error(
      `DISPATCH_LAMBDA_RUNTIME_VERSION (${pinned}) is a release of another region than the deploy's (${region}): read it from a function of this stage`,
    );
  }
  return {
    domain: s.DISPATCH_DOMAIN,
    webDomain: s.DISPATCH_WEB_DOMAIN,
    publicationName: s.DISPATCH_PUBLICATION_NAME,
    fromAddress: s.DISPATCH_FROM_ADDRESS ?? `newsletter@${s.DISPATCH_DOMAIN}`,
    fromName: s.DISPATCH_FROM_NAME,
    replyTo: s.DISPATCH_REPLY_TO,
    postalAddress: s.DISPATCH_POSTAL_ADDRESS,
    listId: s.DISPATCH_LIST_ID,
    turnstileSiteKey: s.DISPATCH_TURNSTILE_SITE_KEY,
    alertEmail: s.DISPATCH_ALERT_EMAIL,
    sendRateFraction: s.DISPATCH_SEND_RATE_FRACTION,
    transactionalRateShare: s.DISPATCH_TRANSACTIONAL_RATE_SHARE,
    sendFleetSize: s.DISPATCH_SEND_FLEET_SIZE,
    apiThrottle: { rateLimit: s.DISPATCH_API_RATE_LIMIT, burstLimit: s.DISPATCH_API_BURST_LIMIT },
    lambdaRuntimeVersion: pinned,
  };
}
