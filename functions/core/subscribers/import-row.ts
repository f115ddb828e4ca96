import { DomainError, type FieldIssue } from '../errors.js';
import { queuedEntry } from '../outbox/entry.js';
import { readerEvent } from '../webhooks/reader-events.js';
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
type Data = Pick<Subscriber, 'email' | 'topics' | 'frequency' | 'name' | 'fields'>;

/**
 * A cell as the export wrote it, back: the export puts `'` before a cell that starts like a
 * formula (`=`, `+`, `-`, `@`, a tab or CR; export-job.ts `formulaSafe`), so a spreadsheet shows it
 * as text, and an import of that file takes the `'` off again (a field of -5 is -5, not `'-5`).
 */
export const fromExported = (cell: string | undefined) =>
  cell !== undefined && /^'[=+\-@\t\r]/.test(cell) ? cell.slice(1) : cell;

/** A column `fields.<key>` holds a custom field (as the export writes it); an empty cell is unset. */
const FIELD_COLUMN = 'fields.';
function fieldCells(row: Row) {
  const cells = Object.entries(row).filter(([column]) => column.startsWith(FIELD_COLUMN));
  return cells.length > 0
    ? Object.fromEntries(
        cells.map(([column, value]) => [
          column.slice(FIELD_COLUMN.length),
          fromExported(value) ?? '',
        ]),
      )
    : undefined;
}

/** A row that passed the checks that need no read: what to write, and the consent it states. */
export type CheckedRow =
  | { kind: 'error'; issues: FieldIssue[] }
  | { kind: 'valid'; data: Data; consent?: { source: string; at?: string } };

/**
 * One row of a CSV import, checked. Nobody is mailed anything but a confirmation unless the row
 * states consent (`consent=yes`) and where it was given (`consent_source`): those are added as
 * confirmed, with the source in their consent record.
 */
export function checkRow(deps: SubscriberDeps, row: Row): CheckedRow {
  const parsed = subscribeSchema(deps.publication, 'editor').safeParse({
    email: row.email ?? '',
    name: fromExported(row.name),
    fields: fieldCells(row),
    topics: row.topics
      ? row.topics
          .split(/[;,]/)
          .map((t) => t.trim())
          .filter(Boolean)
      : undefined,
    frequency: row.frequency || undefined,
  });
  if (!parsed.success) return { kind: 'error', issues: toFieldIssues(parsed.error) };
  const { fields, ...rest } = parsed.data;
  const data: Data = {
    ...rest,
    fields: fields && Object.keys(fields).length > 0 ? fields : undefined,
  };
  if (row.consent?.toLowerCase() !== 'yes') return { kind: 'valid', data };
  if (!row.consent_source)
    return {
      kind: 'error',
      issues: [
        {
          field: 'consent_source',
          message: 'is required when consent is yes: say where the reader agreed',
        },
      ],
    };
  return {
    kind: 'valid',
    data,
    consent: { source: row.consent_source, at: row.consent_at },
  };
}

/**
 * A checked row written: suppressed addresses (the caller looked them up, a page at a time) and
 * existing readers are skipped, never changed. The write is a conditional create.
 */
export async function writeRow(
  deps: SubscriberDeps,
  row: Extract<CheckedRow, { kind: 'valid' }>,
  suppressed: boolean,
  tag: string,
): Promise<RowOutcome> {
  const { email } = row.data;
  if (suppressed)
    return { kind: 'skipped', email, reason: 'suppressed (bounced, complained or erased)' };
  // A new reader's event rides on the create; the outbox's drain (or, with no email to send,
  // its sweep) queues it.
  const created = await readerEvent(deps, 'reader.created');
  const record = created(
    row.consent
      ? consentedRecord(deps, row.data, row.consent.source, row.consent.at)
      : pendingRecord(deps, row.data),
  );
  const outcome: RowOutcome = row.consent ? { kind: 'imported' } : { kind: 'queued' };
  try {
    if (await deps.subscribers.create({ ...record, importedBy: tag })) return outcome;
    const stored = await deps.subscribers.get(record.id);
    if (stored?.importedBy === tag) return outcome;
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
    name: data.name,
    fields: data.fields,
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
    name: data.name,
    fields: data.fields,
    consent: { at: given, form: 'import', source: source.slice(0, 500), confirmedAt: given },
    createdAt: at,
    updatedAt: at,
    confirmedAt: given,
    version: 1,
  };
}
