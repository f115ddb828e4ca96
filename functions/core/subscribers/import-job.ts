import type { BlobStore } from '../ports.js';
import { DomainError, ErrorCodes, type FieldIssue } from '../errors.js';
import type { SubscriberDeps } from './deps.js';
import {
  type CsvRecord,
  type ReadOptions,
  type ReadPosition,
  readOptions,
  readRecords,
} from './import-reader.js';
import { type CheckedRow, checkRow, importTag, type RowOutcome, writeRow } from './import-row.js';

/**
 * What an import did, kept in the job's checkpoint so it survives a crash with the position it
 * describes. The rows listed are capped (the checkpoint is one DynamoDB item, under 400 KB); the
 * totals count them all.
 */
export type ImportReport = {
  /** Added as confirmed: the row stated consent and its source. */
  imported: number;
  /** Added as pending, their confirmation email queued (the outbox sends it, paced). */
  confirmationsQueued: number;
  skipped: { line: number; email: string; reason: string }[];
  skippedTotal: number;
  errors: { line: number; issues: FieldIssue[] }[];
  errorsTotal: number;
};

export const REPORT_LIMIT = 500;

export type ImportCheckpoint = {
  /** The next record's byte offset (always a record boundary) and line. */
  position: ReadPosition;
  /** The header's column names, lower case; absent until the first step has read it. */
  columns?: string[];
  report: ImportReport;
};

export type ImportInput = { jobId: string; key: string; size: number };
export type ImportDeps = SubscriberDeps & { blobs: BlobStore };

/** Rows written at once within a page: DynamoDB's pace is the writes in flight, not a timer. */
const CONCURRENCY = 16;

export const emptyReport = (): ImportReport => ({
  imported: 0,
  confirmationsQueued: 0,
  skipped: [],
  skippedTotal: 0,
  errors: [],
  errorsTotal: 0,
});

/**
 * One step of an import: the next page of rows from the file (a thousand lines), each validated
 * and written by a conditional create. The step's writes are replayed from its checkpoint if it
 * dies before the checkpoint is saved; `importRow` recognises its own earlier writes, so each row
 * counts once.
 */
export async function importStep(
  deps: ImportDeps,
  input: ImportInput,
  checkpoint: ImportCheckpoint = { position: { offset: 0, line: 1 }, report: emptyReport() },
  options: ReadOptions = readOptions,
): Promise<{ checkpoint: ImportCheckpoint; done: boolean }> {
  if (!checkpoint.columns) return readHeader(deps, input, checkpoint, options);
  const { records, next, end } = await readRecords(
    deps.blobs,
    input.key,
    input.size,
    checkpoint.position,
    options,
  );
  const checked = records.map((record) => checkRecord(deps, checkpoint.columns!, record));
  const suppressed = await deps.suppressions.suppressedAmong(
    checked.flatMap((row) => (row.kind === 'valid' ? [row.data.email] : [])),
  );
  const outcomes = await mapLimited(checked, CONCURRENCY, (row, i) =>
    row.kind === 'error'
      ? Promise.resolve<RowOutcome>(row)
      : writeRow(
          deps,
          row,
          suppressed.has(row.data.email),
          importTag(input.jobId, records[i]!.line),
        ),
  );
  const report = structuredClone(checkpoint.report);
  for (const [i, outcome] of outcomes.entries()) addOutcome(report, records[i]!.line, outcome);
  return { checkpoint: { ...checkpoint, position: next, report }, done: end };
}

async function readHeader(
  deps: ImportDeps,
  input: ImportInput,
  checkpoint: ImportCheckpoint,
  options: ReadOptions,
) {
  const { records, next, end } = await readRecords(
    deps.blobs,
    input.key,
    input.size,
    checkpoint.position,
    {
      ...options,
      maxLines: 1,
    },
  );
  const header = records[0];
  if (header && 'error' in header)
    throw fileProblem(`Line ${header.line} ${header.error}.`, 'is not valid CSV');
  const columns = header?.fields.map((name) => name.trim().toLowerCase());
  if (columns && !columns.includes('email'))
    throw fileProblem(
      'The first line must name the columns, with an "email" column.',
      'has no email column',
    );
  // A column for a field nobody declared would fail every row: the file is refused at once.
  const declared = new Set((deps.publication.fields ?? []).map((f) => `fields.${f.key}`));
  const unknown = columns?.find((c) => c.startsWith('fields.') && !declared.has(c));
  if (unknown)
    throw fileProblem(
      `The column "${unknown}" names no field declared in content/fields.json${declared.size > 0 ? ` (${[...declared].join(', ')})` : ''}.`,
      `names an unknown field column ${unknown}`,
    );
  return { checkpoint: { ...checkpoint, position: next, columns: columns ?? [] }, done: end };
}

function checkRecord(deps: ImportDeps, columns: string[], record: CsvRecord): CheckedRow {
  if ('error' in record)
    return { kind: 'error', issues: [{ field: 'line', message: record.error }] };
  return checkRow(deps, Object.fromEntries(columns.map((name, i) => [name, record.fields[i]])));
}

function addOutcome(report: ImportReport, line: number, outcome: RowOutcome) {
  if (outcome.kind === 'imported') report.imported++;
  else if (outcome.kind === 'queued') report.confirmationsQueued++;
  else if (outcome.kind === 'skipped') {
    if (report.skippedTotal++ < REPORT_LIMIT)
      report.skipped.push({ line, email: outcome.email, reason: outcome.reason });
  } else if (report.errorsTotal++ < REPORT_LIMIT)
    report.errors.push({
      line,
      issues: outcome.issues.map((i) => ({ field: i.field, message: i.message.slice(0, 200) })),
    });
}

function fileProblem(message: string, issue: string) {
  return new DomainError(ErrorCodes.invalidInput, message, {
    issues: [{ field: 'file', message: issue }],
  });
}

/**
 * `fn` over `items`, at most `limit` at a time, answers in the items' order. After a failure no
 * item more is started: the step is over, and its rows are replayed from the checkpoint.
 */
async function mapLimited<T, R>(items: T[], limit: number, fn: (item: T, i: number) => Promise<R>) {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (next < items.length && !failed) {
      const i = next++;
      try {
        results[i] = await fn(items[i]!, i);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
