import { DomainError, type FieldIssue } from '../errors.js';
import { queuedEntry } from '../outbox/entry.js';
import type { SubscriberDeps } from './deps.js';
import { subscribeSchema, toFieldIssues } from './input.js';
import { confirmationQuota } from './subscribe.js';
import { type Subscriber, subscriberIdFor } from './subscriber.js';

/** What became of one row of an import. */
export type RowOutcome =
  | { kind: 'imported' }
  | { kind: 'queued' }
  | { kind: 'skipped'; email: string; reason: string }
  | { kind: 'error'; issues: FieldIssue[] };

/**
 * The row that creates a record, written on it (`<job>:<line>`): a step replayed after a crash
 * finds its own earlier write by it and counts the row as it did, rather than as "already a
 * subscriber"; another row of the same file with the same address is a duplicate all the same.
 */
export const importTag = (job: string, line: number) => `${job}:${line}`;

type Row = Record<string, string | undefined>;
type Data = { email: string; topics: string[]; frequency: Subscriber['frequency'] };

/**
 * One row of a CSV import. Nobody is mailed anything but a confirmation unless the row states
 * consent (`consent=yes`) and where it was given (`consent_source`): those are added as confirmed,
 * with the source in their consent record. Suppressed addresses and existing readers are skipped,
 * never changed. Every write is a conditional create.
 */
export async function importRow(deps: SubscriberDeps, row: Row, tag: string): Promise<RowOutcome> {
  const parsed = subscribeSchema(deps.publication.topics).safeParse({
    email: row.email ?? '',
    topics: row.topics
      ? row.topics
          .split(/[;,]/)
          .map((t) => t.trim())
          .filter(Boolean)
      : undefined,
    frequency: row.frequency || undefined,
  });
  if (!parsed.success) return { kind: 'error', issues: toFieldIssues(parsed.error) };
  const { email } = parsed.data;
  if (await deps.suppressions.isSuppressed(email))
    return { kind: 'skipped', email, reason: 'suppressed (bounced, complained or erased)' };
  const consented = row.consent?.toLowerCase() === 'yes';
  if (consented && !row.consent_source)
    return {
      kind: 'error',
      issues: [
        {
          field: 'consent_source',
          message: 'is required when consent is yes: say where the reader agreed',
        },
      ],
    };
  const record = consented
    ? consentedRecord(deps, parsed.data, row.consent_source!, row.consent_at)
    : pendingRecord(deps, parsed.data);
  const created: RowOutcome = consented ? { kind: 'imported' } : { kind: 'queued' };
  try {
    if (await deps.subscribers.create({ ...record, importedBy: tag })) return created;
    const stored = await deps.subscribers.get(record.id);
    if (stored?.importedBy === tag) return created;
    return { kind: 'skipped', email, reason: 'already a subscriber' };
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    return {
      kind: 'error',
      issues: error.details.issues ?? [{ field: 'email', message: error.message }],
    };
  }
}

/**
 * A pending reader whose confirmation email is queued in their record, as a signup's is: the
 * outbox sends it at the transactional share of SES's rate, and it counts towards the day's three.
 */
function pendingRecord(deps: SubscriberDeps, data: Data): Subscriber {
  const now = deps.clock.now();
  const at = now.toISOString();
  return {
    id: subscriberIdFor(data.email),
    email: data.email,
    state: 'pending',
    topics: data.topics,
    frequency: data.frequency,
    consent: { at, form: 'import' },
    createdAt: at,
    updatedAt: at,
    ...confirmationQuota(undefined, now),
    outbox: queuedEntry('confirmation', now),
    version: 1,
  };
}

function consentedRecord(
  deps: SubscriberDeps,
  data: Data,
  source: string,
  consentAt: string | undefined,
): Subscriber {
  const at = deps.clock.now().toISOString();
  const given =
    consentAt && !Number.isNaN(Date.parse(consentAt)) ? new Date(consentAt).toISOString() : at;
  return {
    id: subscriberIdFor(data.email),
    email: data.email,
    state: 'confirmed',
    topics: data.topics,
    frequency: data.frequency,
    consent: { at: given, form: 'import', source: source.slice(0, 500), confirmedAt: given },
    createdAt: at,
    updatedAt: at,
    confirmedAt: given,
    version: 1,
  };
}
