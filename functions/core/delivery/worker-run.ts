import type { Editions } from '../issues/digest-editions.js';
import type { Issue } from '../issues/issue.js';
import type { DeliveryDeps } from './deps.js';
import type { ShardLease } from './lease.js';
import type { ClaimOutcome, Lane, PageLedger } from './page-ledger.js';
import type { RecipientSender } from './recipient-sender.js';
import type { WorkerOptions } from './worker.js';

/** Why a worker run ended. */
export type StopReason =
  | 'idle'
  | 'deadline'
  | 'issue_finished'
  | 'issue_stopped'
  | 'account_paused'
  | 'quota';

/** Ends the whole run from however deep it is thrown; `runWorker` turns it into its result. */
export class Stop extends Error {
  constructor(readonly reason: StopReason) {
    super(reason);
  }
}

/** Why a page is left before its end. */
export type Halt = 'deadline' | 'lease_lost' | 'stopped';
export type Outcome = Exclude<ClaimOutcome, 'claimed'> | Halt;
export const isHalt = (o: Outcome): o is Halt =>
  o === 'deadline' || o === 'lease_lost' || o === 'stopped';

/** What a send checks before it starts: a shard's lease, or (for a released reader) the ledger's claim alone. */
export type Hold = Pick<ShardLease, 'held'>;

/** What one lane's send works with: the page's ledger, its own receipt chain, what holds the reader. */
export type LaneWork = { page: PageLedger; lane: Lane; lease: Hold; stopping: () => boolean };

/**
 * One worker's run as its parts see it (the shard's pages, released readers, one recipient's
 * send): who it is, its clock, what it knows of each issue, and its sender.
 */
export type WorkerRun = {
  readonly deps: DeliveryDeps;
  readonly options: WorkerOptions;
  readonly id: string;
  readonly leaseMs: number;
  readonly sender: RecipientSender;
  /** Recipients this run settled (any outcome). */
  processed: number;
  now(): number;
  outOfTime(): boolean;
  /** Whether the issue is still sending, by knowledge of it at most a moment old. */
  stillSending(issue: Issue): Promise<boolean>;
  /** Why no claim (or send) may be made now, or undefined. */
  mayClaim(issue: Issue, lease: Hold): Promise<Halt | undefined>;
  /** The issue rendered once per run (per edition of a digest). */
  editionsFor(issue: Issue): Promise<Editions>;
};
