import { MailFailure, MailFailureKinds, type OutgoingMessage } from '../ports.js';
import {
  claimed,
  givenUp,
  isDue,
  RECEIPT_WINDOW_MS,
  retryLater,
  sent,
  withoutReceipt,
  type OutboxEntry,
} from './entry.js';
import type { OutboxDeps } from './deps.js';
import { changeEntry } from './holders.js';
import type { OutboxRef } from './ports.js';
import { outboxTags } from './tags.js';
import { flushReaderEvents } from '../webhooks/reader-events.js';

/**
 * What one attempt at one entry came to. `unconfirmed`: SES's answer proved nothing (a timeout, a
 * 5xx), so the claim waits for SES's receipt, or its window's end.
 */
export type Outcome = 'sent' | 'retry' | 'failed' | 'cancelled' | 'skipped' | 'unconfirmed';
export type DrainResult = Record<Outcome, number>;
const noOutcomes = (): DrainResult => ({
  sent: 0,
  retry: 0,
  failed: 0,
  cancelled: 0,
  skipped: 0,
  unconfirmed: 0,
});

const PAGE = 25;
/** SES paused the account or the day's quota is used up: no point asking again for a while. */
const ACCOUNT_WAIT_MS = 15 * 60_000;

/**
 * Sends what is due, oldest first, until nothing is or the deadline is near: the one drain the
 * Streams consumer, the tick's sweep and the local poller all run. Stops early when SES is
 * refusing (throttled): the entries wait their backoff and the next wake-up carries on.
 */
export async function drainOutbox(
  deps: OutboxDeps,
  options: { deadline?: number } = {},
): Promise<DrainResult> {
  const outOfTime = () =>
    options.deadline !== undefined && deps.clock.now().getTime() >= options.deadline - 5_000;
  const result = await drainPages(deps, outOfTime);
  // Emails first: a backlog of webhook events never keeps a confirmation waiting.
  const events = await sweepEvents(deps, outOfTime);
  deps.metrics?.count('outbox', { ...result, ...events });
  return result;
}

async function drainPages(deps: OutboxDeps, outOfTime: () => boolean): Promise<DrainResult> {
  const result = noOutcomes();
  for (;;) {
    const due = await deps.outbox.due(deps.clock.now(), PAGE);
    if (due.length === 0 || outOfTime()) return result;
    let progressed = false;
    for (const listing of due) {
      if (outOfTime()) return result;
      const outcome = await deliverEntry(deps, listing, listing.entry.id);
      result[outcome]++;
      if (outcome === 'retry') return result;
      progressed ||= outcome !== 'skipped';
    }
    if (!progressed) return result;
  }
}

/** Pages of the sweep per drain: 100 records; the next drain (a minute on AWS) takes the rest. */
const EVENT_PAGES = 4;

/**
 * Webhook events left on records with no email in flight to carry them (their request died, or
 * could not reach the store, before queueing them): queued now, oldest first, a few pages per
 * drain. A record that fails is counted (`eventsKept`) and left for the next drain, and never
 * stops the others or the tick around it.
 */
async function sweepEvents(deps: OutboxDeps, outOfTime: () => boolean) {
  const counted = { eventsQueued: 0, eventsKept: 0 };
  for (let n = 0; n < EVENT_PAGES && !outOfTime(); n++) {
    const page = await deps.outbox.withEvents(PAGE).catch(() => []);
    for (const ref of page) {
      if (outOfTime()) break;
      const queued = await flushReaderEvents(deps, ref.id).catch(() => false);
      counted[queued ? 'eventsQueued' : 'eventsKept']++;
    }
    if (page.length < PAGE || counted.eventsKept > 0) break;
  }
  return counted;
}

/**
 * One entry, exactly once: claimed with an attempt id by a conditional write, sent with tags naming
 * that attempt, and its outcome recorded only over that claim, by its sender or by SES's receipt
 * (receipt.ts). A claim left unsettled (its sender died, or SES's answer was lost) waits for the
 * receipt until its window has passed; with none by then, SES never took it, and it is sent again.
 */
export async function deliverEntry(
  deps: OutboxDeps,
  ref: OutboxRef & { to: string; eventsPending?: boolean },
  entryId: string,
): Promise<Outcome> {
  // The change that queued this email may have left its webhook event beside it: queued first.
  // An email never waits on webhooks: if that fails, the event stays on the record, which (its
  // email sent or given up) the sweep lists next, and whose failure is the drain's to report.
  if (ref.holder === 'subscriber' && ref.eventsPending)
    await flushReaderEvents(deps, ref.id).catch(() => undefined);
  const now = deps.clock.now();
  const windowMs = deps.receiptWindowMs ?? RECEIPT_WINDOW_MS;
  const suppressed = ref.holder === 'subscriber' && (await deps.suppressions.isSuppressed(ref.to));
  let message: OutgoingMessage | undefined;
  let waiting = false;
  const claim = await changeEntry(deps, ref, (held) => {
    let entry = held.entry;
    if (entry?.id !== entryId || !isDue(entry, now)) return undefined;
    if (entry.state === 'sending') {
      const after = withoutReceipt(entry, now, windowMs);
      if (after.state !== 'queued') {
        waiting = after.state === 'sending';
        return after;
      }
      entry = after;
    }
    if (Date.parse(entry.expiresAt) <= now.getTime())
      return givenUp(entry, `expired: ${entry.reason ?? 'never sent'}`, now);
    message = suppressed ? undefined : held.message(now);
    return message ? claimed(entry, now, windowMs) : null;
  });
  if (!claim?.changed || waiting) return 'skipped';
  const entry = claim.entry;
  if (!entry) return 'cancelled';
  if (entry.state !== 'sending' || !message) return 'failed';

  try {
    await deps.budget.take();
  } catch (error) {
    // No slot (the sender registry could not be written): nothing went to SES, so the claim is
    // handed back and the entry waits its backoff, rather than be abandoned as ambiguous.
    await settle(
      deps,
      ref,
      entry,
      retryLater(entry, `not sent: ${String(error)}`, deps.clock.now()),
    );
    return 'retry';
  }
  const tagged = { ...message, tags: { ...message.tags, ...outboxTags(ref, entry) } };
  try {
    const { messageId } = await deps.mailer.send(tagged);
    await settle(deps, ref, entry, sent(entry, messageId, deps.clock.now()));
    return 'sent';
  } catch (error) {
    // Anything but SES's own answer leaves the claim as it is, for the receipt or its window.
    if (!(error instanceof MailFailure)) throw error;
    const next = afterFailure(entry, error, deps.clock.now());
    await settle(deps, ref, entry, next);
    return next.state === 'queued' ? 'retry' : next.state === 'sending' ? 'unconfirmed' : 'failed';
  }
}

function afterFailure(entry: OutboxEntry, error: MailFailure, now: Date): OutboxEntry {
  const reason = `${error.kind}: ${error.message}`;
  switch (error.kind) {
    case MailFailureKinds.throttled:
    case MailFailureKinds.transient:
      return retryLater(entry, reason, now);
    case MailFailureKinds.quotaExceeded:
    case MailFailureKinds.accountPaused:
      return retryLater(entry, reason, now, ACCOUNT_WAIT_MS);
    case MailFailureKinds.unknown:
      // SES may have it: its receipt says so, or the window's end says it has not.
      return {
        ...entry,
        lostAnswer: reason,
        reason: `${reason}; waiting for SES's receipt of attempt ${entry.attemptId}`,
      };
    default:
      return givenUp(entry, reason, now);
  }
}

/**
 * The outcome is written only over this very claim, still unsettled: a newer entry in the slot is
 * left alone, and so is a claim SES's receipt has settled meanwhile (it can arrive first).
 */
async function settle(deps: OutboxDeps, ref: OutboxRef, claim: OutboxEntry, next: OutboxEntry) {
  await changeEntry(deps, ref, (held) =>
    held.entry?.id === claim.id &&
    held.entry.attemptId === claim.attemptId &&
    held.entry.state === 'sending'
      ? next
      : undefined,
  );
}

/** One entry a Streams record woke the sender for, as the record's new image named it. */
export type Wake = OutboxRef & {
  to: string;
  entryId: string;
  dueAt: string;
  key: string;
  eventsPending?: boolean;
};

/** How long the Streams consumer waits for an entry due soon (a backoff) rather than leave it to the tick. */
const WAIT_FOR_DUE_MS = 30_000;

/**
 * The Streams consumer's work: each woken entry in order, waiting for one due within seconds (a
 * throttle's backoff; its rewrite is what woke us). Resolves with the key of the first record
 * that failed for a reason other than SES's answer (DynamoDB throttled, say): Lambda retries the
 * batch from there (ReportBatchItemFailures), and claims make a repeat harmless.
 */
export async function deliverWoken(
  deps: OutboxDeps & { sleep?: (ms: number) => Promise<void> },
  wakes: Wake[],
  deadline: number,
): Promise<{ result: DrainResult; failedKey?: string }> {
  const delivered = await deliverEach(deps, wakes, deadline);
  // One count per stream batch, whatever it did.
  deps.metrics?.count('outbox', delivered.result);
  return delivered;
}

async function deliverEach(
  deps: OutboxDeps & { sleep?: (ms: number) => Promise<void> },
  wakes: Wake[],
  deadline: number,
): Promise<{ result: DrainResult; failedKey?: string }> {
  const result = noOutcomes();
  const sleep = deps.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  for (const wake of wakes) {
    const wait = Date.parse(wake.dueAt) - deps.clock.now().getTime();
    if (wait > WAIT_FOR_DUE_MS || deps.clock.now().getTime() + wait > deadline - 10_000) {
      result.skipped++; // the tick's sweep finds it when it is due
      continue;
    }
    if (wait > 0) await sleep(wait);
    try {
      result[await deliverEntry(deps, wake, wake.entryId)]++;
    } catch {
      return { result, failedKey: wake.key };
    }
  }
  return { result };
}
