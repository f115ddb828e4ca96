import type { Job } from './job.js';

/** Jobs, one item each; every write is conditional on the stored version. */
export interface JobRepository {
  /** False when a job with that id exists. */
  create(job: Job): Promise<boolean>;
  get(id: string): Promise<Job | undefined>;
  /** Writes `next` only over version `next.version - 1`; false when another writer got there. */
  save(next: Job): Promise<boolean>;
  /** Open jobs (queued or running) due by `now`, soonest first: a Query, never a Scan. */
  due(now: Date, limit?: number): Promise<Job[]>;
  /** The newest jobs of a kind, newest first. */
  list(kind: string, limit?: number): Promise<Job[]>;
}

/**
 * Wakes the job runner now, so an editor does not wait for the minute's schedule: an
 * asynchronous invocation of the `jobs` function on AWS, an in-process run locally. Best effort:
 * a kick that is lost only means the schedule runs the job a minute later.
 */
export interface JobKicker {
  kick(): Promise<void>;
}
