import type { Clock } from '../clock.js';
import type { Logger } from '../../logger.js';
import { MAX_ATTEMPTS, backoffMs, type Job, type JobKind, type StepOutcome } from './job.js';
import type { JobRepository } from './ports.js';

export type JobRunnerDeps<D> = {
  jobs: JobRepository;
  clock: Clock;
  /** Each kind's step, with the dependencies its steps get. */
  kinds: Record<string, JobKind<D>>;
  kindDeps: D;
  logger?: Logger;
};

export type RunOptions = {
  /** Epoch ms when the runner must have stopped (Lambda's remaining time, less a margin). */
  deadline: number;
  /** This runner's lease owner id (the invocation's request id). */
  owner: string;
  /** How long a lease lasts unrenewed: longer than any one step. */
  leaseMs?: number;
  maxAttempts?: number;
};

export type RunSummary = {
  steps: number;
  finished: string[];
  failed: string[];
  retrying: string[];
};

const DEFAULT_LEASE_MS = 120_000;

/**
 * Claims due jobs and runs them a step at a time, saving checkpoint and progress after each, until
 * none is due or the time budget ends. A step is started only if the longest step so far fits in
 * the time left; the lease is then given back, so the next runner resumes at once instead of
 * waiting for it to expire (which is what happens after a crash).
 */
export async function runJobs<D>(deps: JobRunnerDeps<D>, options: RunOptions): Promise<RunSummary> {
  const summary: RunSummary = { steps: 0, finished: [], failed: [], retrying: [] };
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  let longestStep = 0;
  const timeFor = () => Date.now() + Math.max(longestStep * 1.5, 250) < options.deadline;
  const tried = new Set<string>();
  while (timeFor()) {
    const job = (await deps.jobs.due(deps.clock.now(), 10)).find((j) => !tried.has(j.id));
    if (!job) break;
    tried.add(job.id);
    let current = await claim(deps, job, options.owner, leaseMs);
    while (current && timeFor()) {
      const kind = deps.kinds[current.kind];
      const started = Date.now();
      let outcome: StepOutcome | undefined;
      let failure: unknown;
      try {
        if (!kind) throw new Error(`no job kind named ${current.kind}`);
        outcome = await kind.step(deps.kindDeps, current);
      } catch (error) {
        failure = error;
      }
      longestStep = Math.max(longestStep, Date.now() - started);
      summary.steps++;
      if (failure !== undefined) {
        const failed = await recordFailure(deps, current, failure, options.maxAttempts);
        (failed?.state === 'failed' ? summary.failed : summary.retrying).push(current.id);
        if (failed?.state === 'failed')
          await kind?.abandon?.(deps.kindDeps, failed).catch(() => {});
        current = undefined;
        break;
      }
      current = await advance(deps, current, outcome!, leaseMs);
      if (current?.state === 'done') {
        summary.finished.push(current.id);
        current = undefined;
      }
    }
    // Out of time with the job unfinished: give the lease back for the next runner.
    if (current) await release(deps, current);
  }
  return summary;
}

async function claim<D>(deps: JobRunnerDeps<D>, job: Job, owner: string, leaseMs: number) {
  const now = deps.clock.now();
  if (job.lease && job.lease.owner !== owner && Date.parse(job.lease.until) > now.getTime())
    return undefined;
  const next: Job = {
    ...job,
    state: 'running',
    lease: { owner, until: new Date(now.getTime() + leaseMs).toISOString() },
    updatedAt: now.toISOString(),
    version: job.version + 1,
  };
  return (await deps.jobs.save(next)) ? next : undefined;
}

/** The step's outcome saved with the lease renewed; undefined when the lease was lost meanwhile. */
async function advance<D>(deps: JobRunnerDeps<D>, job: Job, outcome: StepOutcome, leaseMs: number) {
  const now = deps.clock.now();
  const at = now.toISOString();
  const next: Job = {
    ...job,
    checkpoint: outcome.checkpoint,
    progress: outcome.progress,
    attempts: 0,
    error: undefined,
    updatedAt: at,
    version: job.version + 1,
    ...(outcome.done
      ? { state: 'done', result: outcome.result, lease: undefined, finishedAt: at }
      : {
          lease: {
            owner: job.lease!.owner,
            until: new Date(now.getTime() + leaseMs).toISOString(),
          },
        }),
  };
  if (await deps.jobs.save(next)) return next;
  deps.logger?.warn('job lease lost', { jobId: job.id, kind: job.kind });
  return undefined;
}

/** A failed step: retried after a backoff, or the job failed for good with its error kept. */
async function recordFailure<D>(
  deps: JobRunnerDeps<D>,
  job: Job,
  error: unknown,
  maxAttempts = MAX_ATTEMPTS,
) {
  const now = deps.clock.now();
  const attempts = job.attempts + 1;
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const givenUp = attempts >= maxAttempts;
  const next: Job = {
    ...job,
    attempts,
    error: message.slice(0, 1_000),
    lease: undefined,
    updatedAt: now.toISOString(),
    version: job.version + 1,
    ...(givenUp
      ? { state: 'failed', finishedAt: now.toISOString() }
      : { dueAt: new Date(now.getTime() + backoffMs(attempts)).toISOString() }),
  };
  deps.logger?.error(givenUp ? 'job failed' : 'job step failed, retrying', {
    jobId: job.id,
    kind: job.kind,
    attempts,
    error,
  });
  return (await deps.jobs.save(next)) ? next : undefined;
}

async function release<D>(deps: JobRunnerDeps<D>, job: Job) {
  const now = deps.clock.now().toISOString();
  await deps.jobs.save({
    ...job,
    lease: undefined,
    dueAt: now,
    updatedAt: now,
    version: job.version + 1,
  });
}
