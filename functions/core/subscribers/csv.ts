import { parse } from 'csv-parse/sync';
import { DomainError, ErrorCodes, type FieldIssue } from '../errors.js';
import type { SubscriberDeps } from './deps.js';
import { subscribeSchema, toFieldIssues } from './input.js';
import { queuedEntry } from '../outbox/entry.js';
import { confirmationQuota } from './subscribe.js';
import { subscriberIdFor, type Subscriber } from './subscriber.js';

export const CSV_COLUMNS = [
  'email',
  'state',
  'topics',
  'frequency',
  'consent',
  'consent_source',
  'consent_at',
  'created_at',
  'confirmed_at',
] as const;

/** One subscriber's export row, in CSV_COLUMNS' order; `consent` says whether they confirmed. */
export function exportRow(s: Subscriber): string[] {
  return [
    s.email,
    s.state,
    s.topics.join(';'),
    s.frequency,
    s.consent.confirmedAt ? 'yes' : 'no',
    s.consent.source ??
      `${s.consent.form} form${s.consent.confirmedAt ? `, confirmed ${s.consent.confirmedAt}` : ''}${s.consent.ip ? `, from ${s.consent.ip}` : ''}`,
    s.consent.confirmedAt ?? s.consent.at,
    s.createdAt,
    s.confirmedAt ?? '',
  ];
}

export const MAX_IMPORT_ROWS = 5_000;

export type ImportReport = {
  /** Added as confirmed: the row stated consent and its source. */
  imported: number;
  /** Added as pending, their confirmation email queued (the tick sends it, paced). */
  confirmationsQueued: number;
  skipped: { line: number; email: string; reason: string }[];
  errors: { line: number; issues: FieldIssue[] }[];
};

/**
 * A CSV import. Nobody is mailed anything but a confirmation unless their row states consent
 * (`consent=yes`) and where it was given (`consent_source`): those are added as confirmed, with the
 * source in their consent record. Bad rows are reported by line; good rows are kept. Suppressed
 * addresses and existing readers are skipped, never changed.
 */
export async function importCsv(deps: SubscriberDeps, text: string): Promise<ImportReport> {
  let rows: Record<string, string>[];
  try {
    rows = parse(text, {
      columns: (header: string[]) => header.map((h) => h.trim().toLowerCase()),
      skip_empty_lines: true,
      trim: true,
      bom: true,
      relax_column_count: true,
    });
  } catch (error) {
    throw new DomainError(
      ErrorCodes.invalidInput,
      `The file is not valid CSV: ${(error as Error).message}`,
      { issues: [{ field: 'file', message: 'is not valid CSV' }] },
    );
  }
  if (rows.length > MAX_IMPORT_ROWS)
    throw new DomainError(ErrorCodes.invalidInput, `At most ${MAX_IMPORT_ROWS} rows per import.`, {
      issues: [{ field: 'file', message: `has more than ${MAX_IMPORT_ROWS} rows` }],
    });
  if (rows.length > 0 && !('email' in rows[0]!))
    throw new DomainError(
      ErrorCodes.invalidInput,
      'The first line must name the columns, with an "email" column.',
      { issues: [{ field: 'file', message: 'has no email column' }] },
    );

  const report: ImportReport = { imported: 0, confirmationsQueued: 0, skipped: [], errors: [] };
  const schema = subscribeSchema(deps.publication.topics);
  for (const [index, row] of rows.entries()) {
    const line = index + 2; // line 1 is the header
    const input = {
      email: row.email ?? '',
      topics: row.topics
        ? row.topics
            .split(/[;,]/)
            .map((t) => t.trim())
            .filter(Boolean)
        : undefined,
      frequency: row.frequency || undefined,
    };
    const parsed = schema.safeParse(input);
    if (!parsed.success) {
      report.errors.push({ line, issues: toFieldIssues(parsed.error) });
      continue;
    }
    const { email } = parsed.data;
    if (await deps.suppressions.isSuppressed(email)) {
      report.skipped.push({ line, email, reason: 'suppressed (bounced, complained or erased)' });
      continue;
    }
    const consented = row.consent?.toLowerCase() === 'yes';
    if (consented && !row.consent_source) {
      report.errors.push({
        line,
        issues: [
          {
            field: 'consent_source',
            message: 'is required when consent is yes: say where the reader agreed',
          },
        ],
      });
      continue;
    }
    try {
      if (consented) {
        const added = await addConsented(deps, parsed.data, row.consent_source!, row.consent_at);
        if (added) report.imported++;
        else report.skipped.push({ line, email, reason: 'already a subscriber' });
      } else if (await queueForConfirmation(deps, parsed.data)) {
        report.confirmationsQueued++;
      } else {
        report.skipped.push({ line, email, reason: 'already a subscriber' });
      }
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      report.errors.push({
        line,
        issues: error.details.issues ?? [{ field: 'email', message: error.message }],
      });
    }
  }
  return report;
}

/**
 * A pending reader whose confirmation email is queued in their record, as a signup's is: the
 * outbox sends it at the transactional share of SES's rate, and it counts towards the day's three.
 */
async function queueForConfirmation(
  deps: SubscriberDeps,
  data: { email: string; topics: string[]; frequency: Subscriber['frequency'] },
) {
  const now = deps.clock.now();
  const at = now.toISOString();
  return deps.subscribers.create({
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
  });
}

async function addConsented(
  deps: SubscriberDeps,
  data: { email: string; topics: string[]; frequency: Subscriber['frequency'] },
  source: string,
  consentAt: string | undefined,
) {
  const at = deps.clock.now().toISOString();
  const given =
    consentAt && !Number.isNaN(Date.parse(consentAt)) ? new Date(consentAt).toISOString() : at;
  return deps.subscribers.create({
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
  });
}
