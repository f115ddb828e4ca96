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

/**
 * The workers sending right now, across every function and process: the account's bulk rate is
 * divided among them. Each live worker beats; one that stops beating drops out on its own.
 */
export interface SenderRegistry {
  /** Registers or renews `senderId` as live until `until`; how many senders are live at `now`, it included. */
  beat(senderId: string, now: Date, until: Date): Promise<number>;
  leave(senderId: string): Promise<void>;
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
};
