import { randomUUID } from 'node:crypto';
import { DomainError, ErrorCodes } from '../errors.js';
import { type Job, type JobKind, newJob } from '../jobs/job.js';
import type { JobKicker, JobRepository } from '../jobs/ports.js';
import type { BlobStore } from '../ports.js';
import {
  emptyReport,
  type ImportCheckpoint,
  type ImportDeps,
  type ImportReport,
  importStep,
} from './import-job.js';

/** The job kind (core/jobs): the runner calls `importKind.step` until the file is read. */
export const IMPORT_KIND = 'import';

export type ImportJobDeps = ImportDeps & { jobs: JobRepository; jobKicker?: JobKicker };

/** The import's dependencies, or a 503 where no blob store is configured (no BLOB_BUCKET). */
export function importDeps<D extends Omit<ImportJobDeps, 'blobs'> & { blobs?: BlobStore }>(
  deps: D,
): D & ImportJobDeps {
  if (!deps.blobs)
    throw new DomainError(ErrorCodes.unavailable, 'Imports need a blob store: set BLOB_BUCKET.');
  return deps as D & ImportJobDeps;
}

const UPLOAD_URL_SECONDS = 3_600;
const keyOf = (id: string) => `imports/${id}.csv`;

export class ImportNotFound extends DomainError {
  constructor(id: string) {
    super(ErrorCodes.notFound, `No import ${id} has been started.`);
  }
}

/**
 * One step of the `import` job: a page of rows, or, for a file that cannot be imported at all
 * (no email column), the end with the reason: retrying would change nothing.
 */
export const importKind: JobKind<ImportDeps> = {
  async step(deps, job) {
    const input = { jobId: job.id, key: String(job.input.key), size: Number(job.input.size) };
    const before = job.checkpoint as ImportCheckpoint | undefined;
    try {
      const { checkpoint, done } = await importStep(deps, input, before);
      const progress = { done: checkpoint.position.offset, total: input.size };
      if (!done) return { checkpoint, progress };
      // The report moves to the result: kept twice, its lists could pass DynamoDB's 400 KB item.
      const last = { position: checkpoint.position, columns: checkpoint.columns };
      return { checkpoint: last, progress, done, result: { report: checkpoint.report } };
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      const report = before?.report ?? emptyReport();
      return {
        checkpoint: before,
        progress: job.progress,
        done: true,
        result: { report, failure: error.message },
      };
    }
  },
};

/**
 * A new import's id and where to PUT its file (a presigned URL: a big file never passes through
 * the admin function). Nothing is stored until it is started.
 */
export async function createImport(deps: ImportJobDeps) {
  const id = randomUUID();
  const uploadUrl = await deps.blobs.uploadUrl(keyOf(id), {
    contentType: 'text/csv',
    expiresInSeconds: UPLOAD_URL_SECONDS,
  });
  return { id, uploadUrl, expiresInSeconds: UPLOAD_URL_SECONDS };
}

/** The file is uploaded: the job is queued and the runner woken. Starting it again changes nothing. */
export async function startImport(deps: ImportJobDeps, id: string): Promise<Job> {
  // An id no import can have is not found before any lookup: a long one is over DynamoDB's key size.
  if (!IMPORT_ID.test(id)) throw new ImportNotFound(id);
  const existing = await deps.jobs.get(id);
  if (existing?.kind === IMPORT_KIND) return existing;
  if (existing) throw new ImportNotFound(id);
  const size = await deps.blobs.size(keyOf(id));
  if (!size)
    throw new DomainError(ErrorCodes.invalidInput, 'Upload the file before starting the import.', {
      issues: [{ field: 'file', message: size === 0 ? 'is empty' : 'has not been uploaded' }],
    });
  const job = newJob(
    { id, kind: IMPORT_KIND, input: { key: keyOf(id), size } },
    deps.clock.now(),
    size,
  );
  if (!(await deps.jobs.create(job))) return startImport(deps, id);
  await deps.jobKicker?.kick();
  return job;
}

/** What createImport's randomUUID makes, and so every import's id. */
const IMPORT_ID = /^[0-9a-f-]{36}$/;

/** Bodies sent in the request itself: Lambda takes 6 MB, base64 and all; bigger files upload. */
export const MAX_DIRECT_BYTES = 4 * 1024 * 1024;

/**
 * A small file in the request: stored, queued, and waited for up to `waitMs` while the runner
 * (woken at once) imports it, so a file of a few thousand rows answers with its report, as
 * before; a bigger one answers with its progress and goes on in the background.
 */
export async function importNow(deps: ImportJobDeps, body: Uint8Array, waitMs = 20_000) {
  if (body.length > MAX_DIRECT_BYTES)
    throw new DomainError(
      ErrorCodes.invalidInput,
      'Files over 4 MB go through an upload URL: POST /api/admin/imports, PUT the file, then start it.',
      { issues: [{ field: '(body)', message: 'is over 4 MB' }] },
    );
  const { id } = await createImport(deps);
  await deps.blobs.put(keyOf(id), body, 'text/csv');
  return waitFor(deps, (await startImport(deps, id)).id, waitMs);
}

/** The job once it is finished, or as it is when `waitMs` has passed. */
export async function waitFor(deps: ImportJobDeps, id: string, waitMs: number) {
  const until = Date.now() + waitMs;
  for (;;) {
    const job = await importStatus(deps, id);
    if (job.state === 'done' || job.state === 'failed' || Date.now() >= until) return job;
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function importStatus(deps: ImportJobDeps, id: string) {
  if (!IMPORT_ID.test(id)) throw new ImportNotFound(id);
  const job = await deps.jobs.get(id);
  if (job?.kind !== IMPORT_KIND) throw new ImportNotFound(id);
  return job;
}

/** What an editor sees of an import: its state, how far it has read, and its report so far. */
export function importView(job: Job) {
  const result = job.result as { report?: ImportReport; failure?: string } | undefined;
  const failure = result?.failure ?? (job.state === 'failed' ? job.error : undefined);
  return {
    id: job.id,
    state: failure ? ('failed' as const) : job.state,
    size: job.progress.total,
    bytesRead: job.progress.done,
    report:
      result?.report ?? (job.checkpoint as ImportCheckpoint | undefined)?.report ?? emptyReport(),
    failure,
    createdAt: job.createdAt,
    updatedAt: job.updatedAt,
  };
}
