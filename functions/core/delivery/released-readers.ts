import { abSendForReader } from '../issues/ab-test.js';
import { recordResend } from '../issues/ambiguous.js';
import type { Edition, Editions } from '../issues/digest-editions.js';
import type { AmbiguousResolution, Issue } from '../issues/issue.js';
import { pendingReleases } from '../issues/resolutions.js';
import { PageLedger } from './page-ledger.js';
import { isHalt, Stop, type WorkerRun } from './worker-run.js';

/** Readers an editor released from ambiguity, sent once more after an issue's shards. */
export class ReleasedReaders {
  constructor(private readonly run: WorkerRun) {}

  /**
   * Readers an editor released (their send had proved nothing) are sent again, one by one, after
   * the shards. No lease: the ledger's claim is the hold, so of two workers one sends and the
   * other is refused. What the send did is recorded on the decision (the first record stands).
   */
  async resendReleased(issue: Issue): Promise<boolean> {
    const current = await this.run.deps.issues.get(issue.id);
    const releases = current ? pendingReleases(current) : [];
    const editions = releases.length ? await this.run.editionsFor(issue) : undefined;
    for (const release of releases) {
      if (this.run.outOfTime()) throw new Stop('deadline');
      if (!(await this.run.stillSending(issue))) return true;
      await this.run.sender.ensurePacing(issue);
      const outcome = await this.resend(issue, release, editions!);
      if (!outcome) continue;
      await recordResend(this.run.deps, issue.id, release, outcome.outcome, outcome.detail);
      this.run.sender.tally(outcome.outcome);
    }
    return releases.length > 0;
  }

  private async resend(issue: Issue, release: AmbiguousResolution, editions: Editions) {
    const { subscriberId: id } = release;
    const reader = await this.run.deps.subscribers.get(id);
    if (reader?.state !== 'confirmed')
      return { outcome: 'skipped' as const, detail: 'no longer subscribed' };
    if (await this.run.deps.suppressions.isSuppressed(reader.email))
      return { outcome: 'suppressed' as const };
    // The editor's request records the decision, then frees the claim: it may not have got that far.
    await this.run.deps.ledger.resolveClaim(issue.deliveryKey, id, release.attempt, {
      resolution: 'release',
      by: release.by,
      at: new Date(release.at),
      reason: release.reason,
    });
    const page = new PageLedger(this.run.deps, issue);
    const edition = abResend(issue, reader.id, (await editions.forPage([reader]))(reader));
    const work = {
      page,
      lane: page.lane(),
      lease: { held: async () => true },
      stopping: () => false,
    };
    const outcome = await this.run.sender.deliverEdition(issue, edition, reader, work);
    await page.flush();
    if (outcome === 'unresolved') return this.resendInFlight(issue, id);
    if (isHalt(outcome)) return undefined; // the claim was given back: still pending
    const { why, failures } = page.outcome();
    return { outcome, detail: why[id] ?? failures[0]?.reason };
  }

  /** Another worker's claim on a released reader: its own to record, unless that worker died in flight. */
  private async resendInFlight(issue: Issue, id: string) {
    const entry = await this.run.deps.ledger.entry(issue.deliveryKey, id);
    if (entry?.status !== 'claimed') return undefined;
    if (this.run.now() - Date.parse(entry.claimedAt) < this.run.leaseMs) return undefined;
    return { outcome: 'ambiguous' as const, detail: 'a worker stopped while sending it again' };
  }
}

/** An A/B issue's released reader is sent again what they were sent: their variant, or the winner. */
function abResend(issue: Issue, readerId: string, edition: Edition | undefined) {
  if (!issue.abTest || !edition) return edition;
  const send = abSendForReader(issue, readerId);
  return { ...edition, subject: send.subject, variant: send.variant };
}
