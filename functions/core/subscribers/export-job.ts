import { stringify } from 'csv-stringify/sync';
import type { Job, JobKind, StepOutcome } from '../jobs/job.js';
import { newJob } from '../jobs/job.js';
import type { JobKicker, JobRepository } from '../jobs/ports.js';
import type { BlobPart, BlobStore, Directory, SubscriberRepository } from '../ports.js';
import type { Clock } from '../clock.js';
import type { Publication } from '../publication.js';
import { DomainError, ErrorCodes } from '../errors.js';
import { exportColumns, exportRow } from './csv.js';

export const EXPORT_KIND = 'export';
export const exportKey = (jobId: string) => `exports/${jobId}.csv`;

/** S3's smallest part but the last; a step gathers at least this much before it uploads. */
export const PART_BYTES = 5 * 1024 * 1024;
/** Readers per Scan page. */
const PAGE = 1_000;
/** A download link lasts this long; a new one is minted on every view of the job. */
export const DOWNLOAD_LINK_SECONDS = 15 * 60;

/**
 * Where the export stands between steps: the upload, its parts so far, and the Directory cursor
 * after the last row of the last part. A step resumes at `cursor`, so a part re-sent after a crash
 * (the same number, the same rows) replaces itself and every reader appears exactly once.
 */
export type ExportCheckpoint = {
  uploadId?: string;
  parts: BlobPart[];
  cursor?: string;
  rows: number;
  bytes: number;
};

export type ExportDeps = {
  directory: Directory;
  subscribers: Pick<SubscriberRepository, 'counts'>;
  blobs?: BlobStore;
};

/**
 * OWASP's CSV injection rule: a cell a spreadsheet would read as a formula (=, +, -, @, tab, CR
 * first) is prefixed with a quote, so it is shown as text and never evaluated.
 */
export const formulaSafe = (cell: string) => (/^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell);

const needBlobs = (deps: { blobs?: BlobStore }) => {
  if (!deps.blobs)
    throw new DomainError(ErrorCodes.unavailable, 'Exports need a blob store (BLOB_BUCKET).', {
      reason: 'no blob store',
    });
  return deps.blobs;
};

/** The export job: a part (≥ 5 MiB of rows, or the rest) per step. */
export const exportKind: JobKind<ExportDeps> = {
  async step(deps, job): Promise<StepOutcome> {
    const blobs = needBlobs(deps);
    const key = exportKey(job.id);
    const at = (job.checkpoint as ExportCheckpoint | undefined) ?? { parts: [], rows: 0, bytes: 0 };
    const total = job.progress.total;
    if (!at.uploadId) {
      const uploadId = await blobs.startUpload(key, 'text/csv; charset=utf-8');
      return { checkpoint: { ...at, uploadId }, progress: { done: 0, total } };
    }
    // The declared fields when the export was asked for: every part has the same columns.
    const fieldKeys = ((job.input as { fields?: string[] }).fields ?? []).map(String);
    const chunks: string[] = at.parts.length === 0 ? [stringify([exportColumns(fieldKeys)])] : [];
    let size = Buffer.byteLength(chunks[0] ?? '');
    let rows = 0;
    let cursor = at.cursor;
    do {
      const page = await deps.directory.subscribers(cursor, PAGE);
      if (page.items.length > 0) {
        const text = stringify(page.items.map((s) => exportRow(s, fieldKeys).map(formulaSafe)));
        chunks.push(text);
        size += Buffer.byteLength(text);
        rows += page.items.length;
      }
      cursor = page.cursor;
    } while (cursor && size < PART_BYTES);
    const done = { rows: at.rows + rows, bytes: at.bytes + size };
    const parts = [...at.parts];
    // The last part may be small (or, after an exact part boundary, there may be nothing left).
    if (size > 0 || parts.length === 0) {
      const body = new TextEncoder().encode(chunks.join(''));
      parts.push(await blobs.uploadPart(key, at.uploadId, parts.length + 1, body));
    }
    if (cursor)
      return {
        checkpoint: { ...at, parts, cursor, ...done },
        progress: { done: done.rows, total },
      };
    await blobs.completeUpload(key, at.uploadId, parts);
    return {
      checkpoint: { ...at, parts, cursor: undefined, ...done },
      progress: { done: done.rows, total: done.rows },
      done: true,
      result: { key, rows: done.rows, bytes: done.bytes, filename: exportFilename(job) },
    };
  },
  async abandon(deps, job) {
    const at = job.checkpoint as ExportCheckpoint | undefined;
    if (at?.uploadId) await needBlobs(deps).abortUpload(exportKey(job.id), at.uploadId);
  },
};

export const exportFilename = (job: Job) => `subscribers-${job.createdAt.slice(0, 10)}.csv`;

/** The readers an export will hold, from the dashboard's counters (no scan): an estimate. */
async function estimate(deps: ExportDeps) {
  const counts = await deps.subscribers.counts();
  return Object.entries(counts)
    .filter(([k]) => k.startsWith('state:'))
    .reduce((sum, [, n]) => sum + Math.max(0, n), 0);
}

/** An editor asks for an export: the job is created (due now) and the runner woken. */
export async function startExport(
  deps: ExportDeps & {
    jobs: JobRepository;
    jobKicker?: JobKicker;
    clock: Clock;
    publication?: Pick<Publication, 'fields'>;
  },
  by: string | undefined,
  id: string,
): Promise<Job> {
  needBlobs(deps);
  const job = newJob(
    {
      id,
      kind: EXPORT_KIND,
      input: { fields: (deps.publication?.fields ?? []).map((f) => f.key) },
      createdBy: by,
    },
    deps.clock.now(),
    await estimate(deps),
  );
  await deps.jobs.create(job);
  await deps.jobKicker?.kick();
  return job;
}

/** What an editor sees of an export: its state and progress, and a fresh link once it is done. */
export type ExportView = {
  id: string;
  state: Job['state'];
  rows: number;
  estimatedRows?: number;
  createdAt: string;
  finishedAt?: string;
  error?: string;
  download?: { url: string; expiresAt: string; filename: string; bytes: number };
  /** Done, but S3 has deleted the file (exports are kept 7 days; the job 30). */
  fileGone?: boolean;
};

export async function viewExport(
  deps: { blobs?: BlobStore; clock: Clock },
  job: Job,
  linkSeconds = DOWNLOAD_LINK_SECONDS,
): Promise<ExportView> {
  const view: ExportView = {
    id: job.id,
    state: job.state,
    rows: job.progress.done,
    estimatedRows: job.progress.total,
    createdAt: job.createdAt,
    finishedAt: job.finishedAt,
    error: job.error,
  };
  if (job.state !== 'done' || !job.result) return view;
  const filename = String(job.result.filename ?? exportFilename(job));
  const blobs = needBlobs(deps);
  // A link to a deleted file would only give the editor S3's NoSuchKey.
  if ((await blobs.size(String(job.result.key))) === undefined) return { ...view, fileGone: true };
  const url = await blobs.downloadUrl(String(job.result.key), {
    filename,
    expiresInSeconds: linkSeconds,
  });
  const expiresAt = new Date(deps.clock.now().getTime() + linkSeconds * 1000).toISOString();
  return { ...view, download: { url, expiresAt, filename, bytes: Number(job.result.bytes ?? 0) } };
}
