/**
 * A background job: work too long for a request (a CSV export, an import), done a step at a time
 * by whichever runner holds its lease, its checkpoint saved after every step so a runner that dies
 * leaves nothing done twice and nothing lost.
 */
export type JobState = 'queued' | 'running' | 'done' | 'failed';

export type JobProgress = {
  /** Units done (rows exported, lines imported). */
  done: number;
  /** The units expected, when known (an estimate: the dashboard's counters for an export). */
  total?: number;
};

export type Job = {
  id: string;
  /** Which step function runs it (`export`, `import`). */
  kind: string;
  state: JobState;
  /** What the editor asked for; never changed after creation. */
  input: Record<string, unknown>;
  /** Where the next step starts; the kind's own JSON, saved after every step. */
  checkpoint?: unknown;
  progress: JobProgress;
  /** What a finished job leaves (the export's key, the import's report). */
  result?: Record<string, unknown>;
  /** Failed attempts in a row at the current step; reset by a step that succeeds. */
  attempts: number;
  /** The last step's error, while retrying and once failed. */
  error?: string;
  /** When a runner may next take it: now, or after a failed step's backoff. */
  dueAt: string;
  /** The runner that holds it, until when (a dead runner's lease expires and another takes over). */
  lease?: { owner: string; until: string };
  createdBy?: string;
  createdAt: string;
  updatedAt: string;
  finishedAt?: string;
  version: number;
};

export const isOpen = (job: Job) => job.state === 'queued' || job.state === 'running';

/** A new job, due now. */
export function newJob(
  fields: { id: string; kind: string; input: Record<string, unknown>; createdBy?: string },
  now: Date,
  total?: number,
): Job {
  const at = now.toISOString();
  return {
    ...fields,
    state: 'queued',
    progress: { done: 0, total },
    attempts: 0,
    dueAt: at,
    createdAt: at,
    updatedAt: at,
    version: 1,
  };
}

/** What a step leaves: where the next one starts, the progress, and whether it was the last. */
export type StepOutcome = {
  checkpoint: unknown;
  progress: JobProgress;
  done?: boolean;
  result?: Record<string, unknown>;
};

/** One kind of job: `step` does a bounded piece of work from the job's checkpoint. */
export type JobKind<D> = {
  step(deps: D, job: Job): Promise<StepOutcome>;
  /** A job given up after its attempts: let go of what it holds (an unfinished upload). */
  abandon?(deps: D, job: Job): Promise<void>;
};

/** Failed attempts in a row before a job is `failed`. */
export const MAX_ATTEMPTS = 5;

/** The wait after the n-th failed attempt in a row: 5 s, 10 s, 20 s, 40 s (capped at 5 min). */
export const backoffMs = (attempts: number) => Math.min(5_000 * 2 ** (attempts - 1), 300_000);
