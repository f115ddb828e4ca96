import { randomUUID } from 'node:crypto';
import { zeroCounts, type Counts, type Issue, type ShardProgress } from '../issues/issue.js';
import type { LedgerEntry, SendReceipt, SentEntry } from '../ports.js';
import type { DeliveryDeps } from './deps.js';

/** What a recipient's existing entry means for this issue, or that its claim is this worker's. */
export type ClaimOutcome = 'claimed' | keyof Counts | 'unresolved';
/** Tries of one claim that throws (the SDK's own retries spent): the same attempt id each time. */
const CLAIM_TRIES = 3;

/**
 * One lane's chain of receipts: the receipt of its latest send no write has recorded yet, and the
 * claim it has in flight. A lane takes a page's readers in increasing id order (the ledger's
 * order), so the claim that carries a receipt is always a later ledger entry than the reader it
 * proves: findReceipt, reading forward, finds it.
 */
export class Lane {
  latest?: SendReceipt;
  current?: { subscriberId: string; claimedAt: string; carried?: SendReceipt };
}

/**
 * One page's dealings with the ledger. Sends are marked together when the page ends (or is left);
 * until then each claim carries the receipt of its lane's send before it, so a worker killed
 * mid-page leaves proof of every send but the last of each lane (at most one per lane). A page
 * redone after a kill meets its own earlier claims: each is settled by a receipt found on a
 * later claim of the page, or, when none turns up, counted ambiguous (never resent).
 */
export class PageLedger {
  private counts = zeroCounts();
  private readonly ambiguous: string[] = [];
  /** What SES answered to the ambiguous, when it answered anything. */
  private readonly why: Record<string, string> = {};
  private readonly failures: ShardProgress['failures'] = [];
  private readonly settled: string[] = [];
  /** Readers counted sent: an A/B issue counts them by variant (ab-test.ts). */
  private readonly sentReaders: string[] = [];
  /** Readers skipped on purpose (a digest's reader with nothing new), by reason. */
  private readonly skips: Record<string, number> = {};
  private toMark: SentEntry[] = [];
  /** Marks run one at a time: a lane's flush returns only once what it saw pending is written. */
  private marking: Promise<void> = Promise.resolve();
  private readonly lanes: Lane[] = [];
  /** This issue's claims from an earlier life of the page, fate not yet known. */
  private readonly unresolved = new Map<string, LedgerEntry>();
  /**
   * Receipts met on earlier claims, by the reader they prove. Lanes meet the page's entries in no
   * fixed order, so a proof may be met before the claim it proves.
   */
  private readonly proofs = new Map<string, SendReceipt>();

  constructor(
    private readonly deps: Pick<DeliveryDeps, 'ledger'>,
    readonly issue: Issue,
  ) {}

  /** A new lane through this page. */
  lane(): Lane {
    const lane = new Lane();
    this.lanes.push(lane);
    return lane;
  }

  /**
   * Claims a recipient, carrying the receipt of the latest send no write has recorded yet. Each
   * claim has its own attempt id: a write applied whose answer was lost, then retried (by the SDK
   * or here), finds its own entry and is still this claim, so the reader is neither lost nor
   * judged ambiguous. Returns 'claimed', or what the recipient's existing entry means.
   */
  async claim(lane: Lane, subscriberId: string, at: Date): Promise<ClaimOutcome> {
    const carried = lane.latest;
    const attempt = randomUUID();
    const claim = await this.tryClaim(subscriberId, at, carried, attempt);
    if (claim !== 'claimed') return this.existing(claim);
    if (lane.latest === carried) lane.latest = undefined;
    lane.current = { subscriberId, claimedAt: at.toISOString(), carried };
    return 'claimed';
  }

  private async tryClaim(id: string, at: Date, carried: SendReceipt | undefined, attempt: string) {
    const { deliveryKey, id: issueId } = this.issue;
    for (let tries = 1; ; tries++) {
      try {
        return await this.deps.ledger.claim(deliveryKey, id, issueId, at, carried, attempt);
      } catch (error) {
        if (tries >= CLAIM_TRIES) throw error;
      }
    }
  }

  /** SES accepted the message to the recipient the lane just claimed. */
  sent(lane: Lane, receipt: SendReceipt) {
    const claim = lane.current!;
    this.toMark.push({
      ...receipt,
      issueId: this.issue.id,
      claimedAt: claim.claimedAt,
      ...(claim.carried && { previousSent: claim.carried }),
    });
    lane.latest = receipt;
  }

  failed(subscriberId: string, reason: string) {
    this.failures.push({ subscriberId, reason });
  }

  /** SES's answer to the recipient just claimed proved nothing: kept to show the editor. */
  uncertain(subscriberId: string, answer: string) {
    this.why[subscriberId] = answer.slice(0, 300);
  }

  skippedBecause(reason: string) {
    this.skips[reason] = (this.skips[reason] ?? 0) + 1;
  }

  count(outcome: keyof Counts, subscriberId: string) {
    this.counts[outcome]++;
    this.settled.push(subscriberId);
    if (outcome === 'sent') this.sentReaders.push(subscriberId);
    if (outcome === 'ambiguous') this.ambiguous.push(subscriberId);
  }

  /** An earlier claim of this issue that a receipt shows was sent: marked with the page, counted sent. */
  private proven(entry: LedgerEntry, receipt: SendReceipt) {
    this.toMark.push({
      ...receipt,
      issueId: this.issue.id,
      claimedAt: entry.claimedAt,
      ...(entry.previousSent && { previousSent: entry.previousSent }),
    });
    this.count('sent', entry.subscriberId);
  }

  /** A claim refused because the recipient already has an entry: what it means for this issue. */
  private existing(entry: LedgerEntry): ClaimOutcome {
    const proof = entry.previousSent;
    if (proof) {
      const proven = this.unresolved.get(proof.subscriberId);
      if (proven) {
        this.unresolved.delete(proof.subscriberId);
        this.proven(proven, proof);
      } else this.proofs.set(proof.subscriberId, proof);
    }
    // Sent by this issue in a page that is being redone: count it as this issue's send.
    if (entry.status === 'sent') return entry.issueId === this.issue.id ? 'sent' : 'skipped';
    if (entry.status === 'claimed' && entry.issueId === this.issue.id) {
      const receipt = this.proofs.get(entry.subscriberId);
      if (receipt) {
        this.proofs.delete(entry.subscriberId);
        this.proven(entry, receipt);
        return 'unresolved'; // counted sent by proven()
      }
      this.unresolved.set(entry.subscriberId, entry);
      return 'unresolved';
    }
    return 'ambiguous';
  }

  /**
   * Marks the page's sends so far. Lanes flush while others send: what is pending is taken as one
   * batch, and a flush returns only once every batch before it is written too (a lane may be
   * about to release a claim whose receipt another lane's flush is still writing).
   */
  flush(): Promise<void> {
    const batch = this.toMark;
    this.toMark = [];
    const marked = this.marking.then(() => this.mark(batch));
    this.marking = marked.catch(() => undefined);
    return marked;
  }

  private async mark(batch: SentEntry[]) {
    if (batch.length === 0) return;
    try {
      await this.deps.ledger.markSent(this.issue.deliveryKey, batch);
    } catch (error) {
      this.toMark = [...batch, ...this.toMark]; // still to be marked: a later flush tries again
      throw error;
    }
    // Marked: no claim needs to carry these any more.
    for (const lane of this.lanes)
      if (lane.latest && batch.some((e) => e.messageId === lane.latest!.messageId))
        lane.latest = undefined;
  }

  /**
   * Settles the earlier claims no later claim of the page vouched for: their receipt may sit on a
   * claim the page no longer shows (that reader bounced or left since, or a newcomer pushed it to
   * the next page), so the ledger is asked. Claims still unproven stay claimed, and are ambiguous.
   */
  async settle() {
    for (const [id, entry] of this.unresolved) {
      const receipt = await this.deps.ledger.findReceipt(this.issue.deliveryKey, id);
      if (receipt) this.proven(entry, receipt);
      else this.count('ambiguous', id);
    }
    this.unresolved.clear();
  }

  /** The page's counts so far, the ambiguous and failed among them, and who was settled. */
  outcome() {
    return {
      counts: this.counts,
      ambiguous: this.ambiguous,
      failures: this.failures,
      settled: this.settled,
      skips: this.skips,
      why: this.why,
      sentReaders: this.sentReaders,
    };
  }
}
