import { randomUUID } from 'node:crypto';
import type { BlobStore } from '../ports.js';
import { DomainError, ErrorCodes } from '../errors.js';
import { emptyReport, type ImportCheckpoint, type ImportDeps, importStep } from './import-job.js';

export type ImportState = 'awaiting-upload' | 'queued' | 'running' | 'done' | 'failed';

/** An import of a CSV file, from its upload to its report. */
export type ImportJob = {
  id: string;
  state: ImportState;
  /** The file in the blob store: `imports/<id>.csv`. */
  key: string;
  /** Its size once uploaded: progress is the checkpoint's offset against it. */
  size?: number;
  createdAt: string;
  updatedAt: string;
  /** Where the import is and what it did; saved after every step, so it survives a crash. */
  checkpoint?: ImportCheckpoint;
  /** A running job is its runner's until then; after it, another runner takes it over. */
  leaseUntil?: string;
  /** Why the file could not be imported (no email column, say); the rows so far are kept. */
  failure?: string;
  version: number;
};

/** Imports, one item each; every write is conditional, as the subscribers' are. */
export interface ImportJobRepository {
  get(id: string): Promise<ImportJob | undefined>;
  create(job: ImportJob): Promise<boolean>;
  /** Writes `next` only over version `next.version - 1`. */
  save(next: ImportJob): Promise<boolean>;
  /** Jobs queued or running (a sparse index: the finished ones are not read). */
  active(): Promise<ImportJob[]>;
}

export type ImportJobDeps = ImportDeps & { imports: ImportJobRepository };

/** The import's dependencies, or a 503 where no blob store is configured (no BLOB_BUCKET). */
export function importDeps<D extends Omit<ImportJobDeps, 'blobs'> & { blobs?: BlobStore }>(
  deps: D,
): D & ImportJobDeps {
  if (!deps.blobs)
    throw new DomainError(ErrorCodes.unavailable, 'Imports need a blob store: set BLOB_BUCKET.');
  return deps as D & ImportJobDeps;
}

/** How long a runner holds a job without saving a step: a step takes a second or two. */
export const LEASE_MS = 60_000;
const UPLOAD_URL_SECONDS = 3_600;

export class ImportNotFound extends DomainError {
  constructor(id: string) {
    super(ErrorCodes.notFound, `No import ${id}.`);
  }
}

/** A new import waiting for its file, and where to PUT it (a presigned URL: big files skip us). */
export async function createImport(deps: ImportJobDeps) {
  const id = randomUUID();
  const at = deps.clock.now().toISOString();
  const job: ImportJob = {
    id,
    state: 'awaiting-upload',
    key: `imports/${id}.csv`,
    createdAt: at,
    updatedAt: at,
    version: 1,
  };
  await deps.imports.create(job);
  const uploadUrl = await deps.blobs.uploadUrl(job.key, {
    contentType: 'text/csv',
    expiresInSeconds: UPLOAD_URL_SECONDS,
  });
  return { job, uploadUrl };
}

/** The file is uploaded: the job is queued for a runner. Starting it again changes nothing. */
export async function startImport(deps: ImportJobDeps, id: string): Promise<ImportJob> {
  const job = await deps.imports.get(id);
  if (!job) throw new ImportNotFound(id);
  if (job.state !== 'awaiting-upload') return job;
  const size = await deps.blobs.size(job.key);
  if (!size)
    throw new DomainError(ErrorCodes.invalidInput, 'Upload the file before starting the import.', {
      issues: [{ field: 'file', message: size === 0 ? 'is empty' : 'has not been uploaded' }],
    });
  const next = { ...job, state: 'queued' as const, size, ...touched(deps, job) };
  return (await deps.imports.save(next)) ? next : startImport(deps, id);
}

/** A small file sent in the request body: stored, and its import queued. */
export async function importUpload(deps: ImportJobDeps, body: Uint8Array | string) {
  const { job } = await createImport(deps);
  await deps.blobs.put(job.key, body, 'text/csv');
  return startImport(deps, job.id);
}

export async function importStatus(deps: ImportJobDeps, id: string) {
  const job = await deps.imports.get(id);
  if (!job) throw new ImportNotFound(id);
  return job;
}

/**
 * Runs one import until it is done or `deadline` nears: takes the job's lease (a queued job, or a
 * running one whose runner stopped saving), then steps, saving the checkpoint with a renewed lease
 * after each. A save that does not land means another runner took the job over: this one stops.
 */
export async function runImport(
  deps: ImportJobDeps,
  id: string,
  options: { deadline: number; leaseMs?: number },
): Promise<ImportJob | undefined> {
  const leaseMs = options.leaseMs ?? LEASE_MS;
  let job = await deps.imports.get(id);
  if (!job || !claimable(deps, job)) return job;
  job = await saved(deps, { ...job, state: 'running', ...leased(deps, job, leaseMs) });
  while (job?.state === 'running' && Date.now() < options.deadline) {
    let step: Awaited<ReturnType<typeof importStep>>;
    try {
      step = await importStep(
        deps,
        { jobId: job.id, key: job.key, size: job.size! },
        job.checkpoint,
      );
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      return saved(deps, {
        ...job,
        state: 'failed',
        failure: error.message,
        ...leased(deps, job, 0),
      });
    }
    const state = step.done ? ('done' as const) : job.state;
    job = await saved(deps, {
      ...job,
      state,
      checkpoint: step.checkpoint,
      ...leased(deps, job, step.done ? 0 : leaseMs),
    });
  }
  return job;
}

/** Every queued import, and every running one whose runner died: the tick's share of imports. */
export async function runImports(
  deps: ImportJobDeps,
  options: { deadline: number; leaseMs?: number },
) {
  let finished = 0;
  for (const job of await deps.imports.active()) {
    if (Date.now() >= options.deadline) break;
    const after = await runImport(deps, job.id, options);
    if (after?.state === 'done' || after?.state === 'failed') finished++;
  }
  return { finished };
}

function claimable(deps: ImportJobDeps, job: ImportJob) {
  if (job.state === 'queued') return true;
  return job.state === 'running' && Date.parse(job.leaseUntil ?? '') <= deps.clock.now().getTime();
}

const touched = (deps: ImportJobDeps, job: ImportJob) => ({
  updatedAt: deps.clock.now().toISOString(),
  version: job.version + 1,
});

const leased = (deps: ImportJobDeps, job: ImportJob, leaseMs: number) => ({
  ...touched(deps, job),
  leaseUntil: leaseMs ? new Date(deps.clock.now().getTime() + leaseMs).toISOString() : undefined,
});

async function saved(deps: ImportJobDeps, next: ImportJob) {
  return (await deps.imports.save(next)) ? next : undefined;
}

/** Bodies sent in the request itself: Lambda takes 6 MB, base64 and all; bigger files upload. */
export const MAX_DIRECT_BYTES = 4 * 1024 * 1024;

/**
 * A small file in the request: stored, queued, and run here for up to `budgetMs`, so a file of a
 * few thousand rows answers with its report, as before; a bigger one is left to the tick.
 */
export async function importNow(deps: ImportJobDeps, body: Uint8Array, budgetMs = 20_000) {
  if (body.length > MAX_DIRECT_BYTES)
    throw new DomainError(
      ErrorCodes.invalidInput,
      'Files over 4 MB go through an upload URL: POST /api/admin/imports, PUT the file, then start it.',
      { issues: [{ field: '(body)', message: 'is over 4 MB' }] },
    );
  const job = await importUpload(deps, body);
  const ran = await runImport(deps, job.id, { deadline: Date.now() + budgetMs });
  return ran ?? importStatus(deps, job.id);
}

/** What an editor sees of an import: its state, how far it has read, and its report so far. */
export function importView(job: ImportJob) {
  return {
    id: job.id,
    state: job.state,
    size: job.size,
    bytesRead: job.checkpoint?.position.offset ?? 0,
    report: job.checkpoint?.report ?? emptyReport(),
    failure: job.failure,
    createdAt: job.createdAt,
    updatedAt: job.updatedAt,
  };
}
