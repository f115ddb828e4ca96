import { DomainError, ErrorCodes } from '../errors.js';
import { normalizeEmail } from '../email-address.js';
import type { DeliveryLedger, IssueRepository, ReaderTrail } from '../ports.js';
import { IssueStates, type Issue } from '../issues/issue.js';
import type { JobRepository } from '../jobs/ports.js';
import { forgetInImportReports } from './import-reports.js';
import type { SubscriberDeps } from './deps.js';
import { subscriberIdFor, type Subscriber } from './subscriber.js';
import { emitReaderEvent, flushReaderEvents } from '../webhooks/reader-events.js';

/** One reader by address: the editors' search is exact, as addresses are personal data. */
export async function findSubscriber(
  deps: SubscriberDeps,
  address: string,
): Promise<Subscriber | undefined> {
  const checked = normalizeEmail(address);
  return checked.ok ? deps.subscribers.get(subscriberIdFor(checked.email)) : undefined;
}

export type ErasureDeps = SubscriberDeps & {
  readerTrail: ReaderTrail;
  issues: Pick<IssueRepository, 'listByState'>;
  jobs: Pick<JobRepository, 'list' | 'get' | 'save'>;
};

/**
 * Erasure on request (GDPR art. 17). First the address goes on the suppression list under a
 * keyed hash (the one thing kept: no import or form can bring it back without its owner), then
 * every item that names the reader is deleted or anonymised (`ReaderTrail`, imports' reports),
 * then the record.
 * Each step can run again: a failure half-way leaves the record, so the editor's retry finishes.
 * Asked again once the record has gone, it looks for a trail left since (a send that was in
 * flight at the erasure) and erases that: 404 only when nothing names the id any more.
 */
export async function eraseSubscriber(deps: ErasureDeps, id: string): Promise<void> {
  const subscriber = await deps.subscribers.get(id);
  if (!subscriber && !SUBSCRIBER_ID.test(id)) throw noSuchSubscriber();
  if (subscriber) await deps.suppressions.suppress(subscriber.email, 'erased', deps.clock.now());
  const trail = await deps.readerTrail.erase(id, await everyIssue(deps));
  if (!subscriber) {
    if (Object.values(trail).every((n) => n === 0)) throw noSuchSubscriber();
    return;
  }
  await forgetInImportReports(deps.jobs, subscriber.email);
  // Queued before the record goes, with what it still had pending: an erasure that fails after
  // it is run again, and emits again (a second event id), rather than never.
  await flushReaderEvents(deps, id);
  await emitReaderEvent(deps, 'reader.erased', subscriber);
  await deps.subscribers.delete(id);
}

/** What `subscriberIdFor` makes: anything else cannot have a trail, and is not looked for. */
const SUBSCRIBER_ID = /^[A-Za-z0-9_-]{24}$/;
const noSuchSubscriber = () => new DomainError(ErrorCodes.notFound, 'No such subscriber.');

/** Every issue in every state: a reader may be named by any issue they were ever sent. */
async function everyIssue(deps: Pick<ErasureDeps, 'issues'>): Promise<Issue[]> {
  const states = Object.values(IssueStates);
  const lists = await Promise.all(states.map((s) => deps.issues.listByState(s, Infinity)));
  return lists.flat();
}

/** Everything kept about one reader, for an access request (GDPR art. 15). */
export async function subscriberData(
  deps: SubscriberDeps & { ledger: Pick<DeliveryLedger, 'history'> },
  id: string,
) {
  const subscriber = await deps.subscribers.get(id);
  if (!subscriber) throw new DomainError(ErrorCodes.notFound, 'No such subscriber.');
  const {
    version: _v,
    confirmationSentAt,
    confirmationWindowStart: _w,
    confirmationsInWindow: _c,
    countsOwed: _o,
    events: _e,
    ...data
  } = subscriber;
  const received = (await deps.ledger.history(id)).map((e) => ({
    issueId: e.issueId,
    content: e.deliveryKey,
    sentAt: e.sentAt,
    messageId: e.messageId,
  }));
  return {
    ...data,
    lastConfirmationEmailAt: confirmationSentAt,
    suppressed: await deps.suppressions.isSuppressed(subscriber.email),
    received,
  };
}
