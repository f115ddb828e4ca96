import type { Metrics } from '../metrics.js';
import type { Clock } from '../clock.js';
import type { ArticleSource } from '../issues/deps.js';
import type {
  DeliveryLedger,
  IssueRenderer,
  IssueRepository,
  Mailer,
  QuotaSource,
  SubscriberRepository,
  SuppressionList,
} from '../ports.js';
import type { Publication } from '../publication.js';
import type { TokenSigner } from '../tokens.js';

export type Pacing = {
  /** Share of SES's MaxSendRate the whole service may use, bulk and transactional together. */
  rateFraction: number;
  /** How many workers may send at once (the worker function's reserved concurrency). */
  workers: number;
  /**
   * Sends each worker keeps in flight at once, sharing its pace (default 1). A kill leaves at
   * most one recipient per lane ambiguous.
   */
  lanes?: number;
  /** A fixed service rate, overriding the quota's, split the same way (benchmarks, tests). */
  fixedRate?: number;
  /** Transactional mail's reserved share of the rate (rate-budget.ts); default 0.2. */
  transactionalShare?: number;
  /** How long a shard stays with a worker that stopped renewing it; default SHARD_LEASE_MS. */
  leaseMs?: number;
};

/** A bulk sender (paced at a share of the rate) or a transactional one (an outbox drain). */
export type SenderKind = 'bulk' | 'transactional';
/** Who is sending now: bulk senders, and transactional ones that sent within a few seconds. */
export type LiveSenders = { bulk: number; transactional: number };

/**
 * The senders sending right now, across every function and process: the account's bulk rate is
 * divided among the bulk ones, who leave transactional mail its share only while a transactional
 * sender is live. Each live sender beats; one that stops beating drops out on its own.
 */
export interface SenderRegistry {
  /**
   * Registers or renews `senderId` (bulk unless `kind` says) as live until `until`, then counts
   * who is live at `now`, it included. The write lands before the count is read: of two senders
   * beating at once, at least one counts the other.
   */
  beat(senderId: string, now: Date, until: Date, kind?: SenderKind): Promise<LiveSenders>;
}

export type DeliveryDeps = {
  subscribers: SubscriberRepository;
  ledger: DeliveryLedger;
  issues: IssueRepository;
  suppressions: SuppressionList;
  mailer: Mailer;
  quota: QuotaSource;
  renderer: IssueRenderer;
  articles: ArticleSource;
  signer: TokenSigner;
  clock: Clock;
  publication: Publication;
  pacing: Pacing;
  /** Where live workers register, so each paces at its share; absent, `pacing.workers` divides. */
  senders?: SenderRegistry;
  sleep?: (ms: number) => Promise<void>;
  /** Monotonic milliseconds for pacing; real time unless a test says otherwise. */
  monotonic?: () => number;
  /** Where each page's outcomes are counted (functions/metrics.ts); none in unit tests. */
  metrics?: Metrics;
};
