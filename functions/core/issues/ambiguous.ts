import type { Clock } from '../clock.js';
import { DomainError, ErrorCodes, invalidInput } from '../errors.js';
import type {
  DeliveryLedger,
  IssueRepository,
  LedgerEntry,
  SubscriberRepository,
} from '../ports.js';
import {
  Resolutions,
  type AmbiguousResolution,
  type Counts,
  type Issue,
  type Resolution,
} from './issue.js';
import { currentAmbiguous } from './resolutions.js';

export type AmbiguityDeps = {
  issues: IssueRepository;
  subscribers: Pick<SubscriberRepository, 'get'>;
  ledger: Pick<DeliveryLedger, 'entry' | 'findReceipt' | 'resolveClaim'>;
  clock: Clock;
};

/** An ambiguous reader as an editor sees one: who, since when, and why, when that is known. */
export type AmbiguousReader = {
  subscriberId: string;
  /** Absent when the reader has been erased since. */
  email?: string;
  claimedAt?: string;
  why: string;
};

/** What the shard recorded, or what the entry and the decisions so far tell. */
function whyAmbiguous(issue: Issue, id: string, entry: LedgerEntry | undefined, noted?: string) {
  if (entry && entry.issueId !== issue.id)
    return `claimed by issue ${entry.issueId}, which sends the same content; resolve it there`;
  if (issue.resolutions?.some((r) => r.subscriberId === id))
    return 'released and sent again, and that send proved nothing either';
  return noted ?? 'SES answered nothing that proves whether it took the message';
}

/** The issue's ambiguous readers, with their addresses: a handful (one per fault), read one by one. */
export async function ambiguousReaders(deps: AmbiguityDeps, issueId: string) {
  const issue = await issueOf(deps, issueId);
  const shards = await deps.issues.shards(issueId);
  const noted = Object.assign({}, ...shards.map((s) => s.ambiguousWhy ?? {}));
  const readers: AmbiguousReader[] = [];
  for (const id of currentAmbiguous(issue, shards)) {
    const entry = await deps.ledger.entry(issue.deliveryKey, id);
    readers.push({
      subscriberId: id,
      email: (await deps.subscribers.get(id))?.email,
      claimedAt: entry?.status === 'claimed' ? entry.claimedAt : undefined,
      why: whyAmbiguous(issue, id, entry, noted[id]),
    });
  }
  return { issue, readers };
}

/**
 * An editor's decision on an ambiguous reader. 'delivered': SES did take it (its logs, the
 * reader's inbox); the ledger marks it sent and it is never sent this issue. 'release': the claim
 * is given back and the reader is sent again by the issue's next send; a finished issue is
 * reopened for its released readers only (its shards are done, so nobody else is reached, and
 * the ledger still refuses anyone who has the content). Only a reader who is ambiguous for this
 * issue, still claimed by it, with no receipt anywhere, can be decided on: anything else is a
 * conflict. The decision is recorded on the issue (who, when, why) before the ledger changes, so
 * a worker that finds a released claim still there gives it back itself.
 */
export async function resolveAmbiguous(
  deps: AmbiguityDeps,
  issueId: string,
  subscriberId: string,
  resolution: Resolution,
  reason: string,
  by: string,
): Promise<AmbiguousResolution> {
  const why = checkInput(resolution, reason);
  for (let attempt = 0; attempt < 8; attempt++) {
    const issue = await issueOf(deps, issueId);
    const entry = await assertAmbiguous(deps, issue, subscriberId);
    if (resolution === Resolutions.release && issue.state === 'cancelled')
      throw conflict(
        `Issue ${issue.id} is cancelled: nothing more is sent. Mark it delivered, or leave it.`,
      );
    const now = deps.clock.now();
    const decided: AmbiguousResolution = {
      subscriberId,
      resolution,
      reason: why,
      by,
      at: now.toISOString(),
      ...(entry.attempt && { attempt: entry.attempt }),
    };
    const next: Issue = {
      ...issue,
      resolutions: [...(issue.resolutions ?? []), decided],
      // Sent already: reopened for the released reader (a worker sends nobody else).
      ...(resolution === Resolutions.release && issue.state === 'sent' && { state: 'sending' }),
      updatedAt: now.toISOString(),
      version: issue.version + 1,
    };
    if (!(await deps.issues.save(next))) continue;
    // False only when a worker already gave the claim back, or proved it sent since: the same end.
    await deps.ledger.resolveClaim(issue.deliveryKey, subscriberId, entry.attempt, {
      resolution,
      by,
      at: now,
      reason: why,
    });
    return decided;
  }
  throw conflict(`Issue ${issueId} is changing too fast; try again.`);
}

/** A worker's record of what a released reader's resend did; the first record stands. */
export async function recordResend(
  deps: Pick<AmbiguityDeps, 'issues' | 'clock'>,
  issueId: string,
  release: AmbiguousResolution,
  outcome: keyof Counts,
  detail?: string,
) {
  for (let attempt = 0; attempt < 8; attempt++) {
    const issue = await deps.issues.get(issueId);
    const resolutions = [...(issue?.resolutions ?? [])];
    const at = resolutions.findIndex(
      (r) => r.subscriberId === release.subscriberId && r.at === release.at && !r.resent,
    );
    if (!issue || at < 0) return;
    const now = deps.clock.now().toISOString();
    resolutions[at] = {
      ...resolutions[at]!,
      resent: { outcome, at: now, ...(detail && { detail }) },
    };
    if (
      await deps.issues.save({ ...issue, resolutions, updatedAt: now, version: issue.version + 1 })
    )
      return;
  }
}

function checkInput(resolution: unknown, reason: unknown): string {
  const issues = [];
  if (resolution !== Resolutions.delivered && resolution !== Resolutions.release)
    issues.push({ field: 'resolution', message: 'must be delivered or release' });
  const why = typeof reason === 'string' ? reason.trim() : '';
  if (!why || why.length > 500)
    issues.push({ field: 'reason', message: 'must say why, in 1 to 500 characters' });
  if (issues.length) throw invalidInput(issues);
  return why;
}

/** The reader's claim, if the reader is ambiguous for this issue; a conflict saying why not otherwise. */
async function assertAmbiguous(deps: AmbiguityDeps, issue: Issue, subscriberId: string) {
  // An id from a URL that no subscriber could have is not looked up (a key over DynamoDB's limit is a 500).
  const possible = /^[A-Za-z0-9_-]{1,64}$/.test(subscriberId);
  const who =
    (possible && (await deps.subscribers.get(subscriberId))?.email) ||
    `Subscriber ${subscriberId.slice(0, 64)}`;
  if (!currentAmbiguous(issue, await deps.issues.shards(issue.id)).includes(subscriberId)) {
    const pending = issue.resolutions?.findLast((r) => r.subscriberId === subscriberId);
    throw conflict(
      pending
        ? `${who} was already decided on (${pending.resolution} by ${pending.by} at ${pending.at}).`
        : `${who} is not an ambiguous reader of issue ${issue.id}.`,
    );
  }
  const entry = await deps.ledger.entry(issue.deliveryKey, subscriberId);
  if (entry?.status !== 'claimed')
    throw conflict(
      `${who} is ${entry ? entry.status : 'not'} in the ledger now, not claimed: nothing to decide.`,
    );
  if (entry.issueId !== issue.id)
    throw conflict(`${who} was claimed by issue ${entry.issueId}; decide on it there.`);
  const receipt = await deps.ledger.findReceipt(issue.deliveryKey, subscriberId);
  if (receipt)
    throw conflict(
      `A later claim carries SES's receipt for ${who} (message ${receipt.messageId}): it was sent, not ambiguous.`,
    );
  return entry;
}

async function issueOf(deps: Pick<AmbiguityDeps, 'issues'>, id: string) {
  const issue = /^[A-Za-z0-9][A-Za-z0-9-]{0,255}$/.test(id) ? await deps.issues.get(id) : undefined;
  if (!issue) throw new DomainError(ErrorCodes.notFound, `No issue ${id}.`);
  return issue;
}

const conflict = (message: string) => new DomainError(ErrorCodes.conflict, message);
