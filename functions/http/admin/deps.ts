import type { AuditLog } from '../../core/access/audit.js';
import type { IdempotencyStore } from '../../core/access/idempotency.js';
import type { SessionRepository } from '../../core/access/sessions.js';
import type {
  BlobStore,
  DeliveryLedger,
  Directory,
  IssueRenderer,
  PublicationLog,
  ReaderTrail,
  EngagementStore,
} from '../../core/ports.js';
import type { AppDeps } from '../../config.js';
import type { ShardQueue } from '../../core/delivery/fleet.js';
import type { Logger } from '../../logger.js';
import type { JobKicker, JobRepository } from '../../core/jobs/ports.js';

/** The editors' workspace: the app's dependencies, sessions, and MJML for previews and test sends. */
export type AdminDeps = AppDeps & {
  sessions: SessionRepository;
  renderer: IssueRenderer;
  directory: Directory;
  idempotency: IdempotencyStore;
  /** Reads the ledger, and writes only an editor's decision on an ambiguous reader. */
  ledger: Pick<DeliveryLedger, 'history' | 'entry' | 'findReceipt' | 'resolveClaim'>;
  publications: PublicationLog;
  /** The fleet's queue, where there is one: "Send now" and "Resume" queue the issue's shards at once. */
  shardQueue?: ShardQueue;
  logger?: Logger;
  /** Files (exports, imports): undefined where BLOB_BUCKET is not set. */
  blobs?: BlobStore;
  /** Background jobs (exports), and what wakes their runner when one is created. */
  jobs: JobRepository;
  jobKicker?: JobKicker;
  /** What editors did, for the workspace's audit page. */
  auditLog: AuditLog;
  /** What names a reader besides their record, for their erasure. */
  readerTrail: ReaderTrail;
  /** Opens and clicks by link and by reader (docs/engagement.md). */
  engagement: EngagementStore;
  /** The largest image upload (IMAGE_MAX_BYTES); 4 MB when not given. */
  maxImageBytes?: number;
};
