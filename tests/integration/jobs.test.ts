/**
 * Background jobs against dynalite: the runner, its leases and retries, as an editor would see
 * them in the job's record (state, progress, error) and in what each step did.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient, ensureTable } from '../../functions/adapters/dynamo/client.js';
import { DynamoJobRepository } from '../../functions/adapters/dynamo/dynamo-jobs.js';
import { newJob, type Job, type JobKind } from '../../functions/core/jobs/job.js';
import { runJobs, type JobRunnerDeps } from '../../functions/core/jobs/run-jobs.js';
import type { Running } from '../../local/emulators.js';
import { startInMemoryDynalite } from '../support/emulators.js';

let dynamodb: Running;
let jobs: DynamoJobRepository;
const TABLE = 'dispatch-jobs-test';

beforeAll(async () => {
  dynamodb = await startInMemoryDynalite();
  const client = createDocumentClient({
    endpoint: dynamodb.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  await ensureTable(client, TABLE);
  jobs = new DynamoJobRepository(client, TABLE);
});
afterAll(async () => dynamodb?.close());

/** A clock the test moves; the runner's leases and backoffs are read from it. */
const clockAt = (start: Date) => {
  let now = start.getTime();
  return { now: () => new Date(now), advance: (ms: number) => (now += ms) };
};

/** Counts to `input.to` one step at a time; every step it ran is recorded by checkpoint. */
const counter = (ran: string[], options: { failAt?: number; failTimes?: number } = {}) => {
  let failures = 0;
  const kind: JobKind<unknown> = {
    async step(_deps, job) {
      const at = (job.checkpoint as number | undefined) ?? 0;
      if (at === options.failAt && failures < (options.failTimes ?? Infinity)) {
        failures++;
        throw new Error(`step ${at} broke`);
      }
      ran.push(`${job.id}:${at}`);
      const next = at + 1;
      const to = job.input.to as number;
      return {
        checkpoint: next,
        progress: { done: next, total: to },
        done: next === to,
        result: { counted: next },
      };
    },
  };
  return kind;
};

const deps = (
  kind: JobKind<unknown>,
  clock: ReturnType<typeof clockAt>,
): JobRunnerDeps<unknown> => ({ jobs, clock, kinds: { count: kind }, kindDeps: {} });
const aJob = async (clock: ReturnType<typeof clockAt>, to: number): Promise<Job> => {
  const job = newJob({ id: randomUUID(), kind: 'count', input: { to } }, clock.now(), to);
  expect(await jobs.create(job)).toBe(true);
  return job;
};
const later = (ms: number) => Date.now() + ms;

describe('background jobs', () => {
  it('runs a job a step at a time to done, its progress and result saved', async () => {
    const clock = clockAt(new Date('2030-01-01T00:00:00Z'));
    const job = await aJob(clock, 5);
    const ran: string[] = [];
    const summary = await runJobs(deps(counter(ran), clock), {
      deadline: later(10_000),
      owner: 'a',
    });
    expect(summary.finished).toEqual([job.id]);
    expect(ran).toEqual([0, 1, 2, 3, 4].map((n) => `${job.id}:${n}`));
    const stored = await jobs.get(job.id);
    expect(stored).toMatchObject({
      state: 'done',
      progress: { done: 5, total: 5 },
      result: { counted: 5 },
    });
    expect(stored!.lease).toBeUndefined();
    // Done jobs are no longer due.
    expect((await jobs.due(clock.now())).map((j) => j.id)).not.toContain(job.id);
  });

  it('stops at its time budget and gives the lease back: the next run resumes where it stopped, no step twice', async () => {
    const clock = clockAt(new Date('2030-01-02T00:00:00Z'));
    const job = await aJob(clock, 6);
    const ran: string[] = [];
    const slow: JobKind<unknown> = {
      step: async (d, j) => {
        await new Promise((r) => setTimeout(r, 100));
        return counter(ran).step(d, j);
      },
    };
    await runJobs(deps(slow, clock), { deadline: later(450), owner: 'first' });
    const midway = await jobs.get(job.id);
    expect(midway!.state).toBe('running');
    expect(midway!.progress.done).toBeGreaterThan(0);
    expect(midway!.progress.done).toBeLessThan(6);
    expect(midway!.lease).toBeUndefined();
    await runJobs(deps(slow, clock), { deadline: later(10_000), owner: 'second' });
    expect(await jobs.get(job.id)).toMatchObject({ state: 'done', progress: { done: 6 } });
    expect(ran).toEqual([0, 1, 2, 3, 4, 5].map((n) => `${job.id}:${n}`));
  });

  it("leaves a crashed runner's job alone until its lease expires, then another runner finishes it", async () => {
    const clock = clockAt(new Date('2030-01-03T00:00:00Z'));
    const job = await aJob(clock, 3);
    // A runner took it, did a step, and died holding the lease.
    const taken: Job = {
      ...job,
      state: 'running',
      checkpoint: 1,
      progress: { done: 1, total: 3 },
      lease: { owner: 'dead', until: new Date(clock.now().getTime() + 120_000).toISOString() },
      version: job.version + 1,
    };
    expect(await jobs.save(taken)).toBe(true);
    const ran: string[] = [];
    await runJobs(deps(counter(ran), clock), {
      deadline: later(2_000),
      owner: 'b',
      leaseMs: 120_000,
    });
    expect(ran).toEqual([]);
    clock.advance(121_000);
    await runJobs(deps(counter(ran), clock), { deadline: later(5_000), owner: 'b' });
    expect(ran).toEqual([`${job.id}:1`, `${job.id}:2`]);
    expect(await jobs.get(job.id)).toMatchObject({ state: 'done' });
  });

  it('two runners at once never run the same step twice (the version condition on every save)', async () => {
    const clock = clockAt(new Date('2030-01-04T00:00:00Z'));
    const created = [await aJob(clock, 4), await aJob(clock, 4)];
    const ran: string[] = [];
    await Promise.all([
      runJobs(deps(counter(ran), clock), { deadline: later(5_000), owner: 'x' }),
      runJobs(deps(counter(ran), clock), { deadline: later(5_000), owner: 'y' }),
    ]);
    for (const job of created) {
      expect(await jobs.get(job.id)).toMatchObject({ state: 'done' });
      expect(ran.filter((r) => r.startsWith(job.id))).toEqual(
        [0, 1, 2, 3].map((n) => `${job.id}:${n}`),
      );
    }
  });

  it('retries a failing step after a growing backoff, then fails the job with its error after five attempts', async () => {
    const clock = clockAt(new Date('2030-01-05T00:00:00Z'));
    const job = await aJob(clock, 3);
    const ran: string[] = [];
    const kind = counter(ran, { failAt: 1 });
    await runJobs(deps(kind, clock), { deadline: later(5_000), owner: 'r' });
    let stored = await jobs.get(job.id);
    expect(stored).toMatchObject({
      state: 'running',
      attempts: 1,
      error: 'Error: step 1 broke',
      checkpoint: 1,
    });
    // Not due again before its backoff.
    await runJobs(deps(kind, clock), { deadline: later(2_000), owner: 'r' });
    expect((await jobs.get(job.id))!.attempts).toBe(1);
    const waits: number[] = [];
    for (let attempt = 2; attempt <= 5; attempt++) {
      const dueAt = Date.parse((await jobs.get(job.id))!.dueAt);
      waits.push(dueAt - clock.now().getTime());
      clock.advance(dueAt - clock.now().getTime());
      await runJobs(deps(kind, clock), { deadline: later(2_000), owner: 'r' });
    }
    expect(waits).toEqual([5_000, 10_000, 20_000, 40_000]);
    stored = await jobs.get(job.id);
    expect(stored).toMatchObject({ state: 'failed', attempts: 5, error: 'Error: step 1 broke' });
    expect(ran).toEqual([`${job.id}:0`]);
  });

  it('a step that fails once is retried and the job finishes', async () => {
    const clock = clockAt(new Date('2030-01-06T00:00:00Z'));
    const job = await aJob(clock, 3);
    const ran: string[] = [];
    const kind = counter(ran, { failAt: 2, failTimes: 1 });
    await runJobs(deps(kind, clock), { deadline: later(5_000), owner: 'r' });
    clock.advance(5_000);
    await runJobs(deps(kind, clock), { deadline: later(5_000), owner: 'r' });
    expect(await jobs.get(job.id)).toMatchObject({ state: 'done', attempts: 0 });
    expect((await jobs.get(job.id))!.error).toBeUndefined();
    expect(ran).toEqual([0, 1, 2].map((n) => `${job.id}:${n}`));
  });

  it('lists a kind of job newest first', async () => {
    const clock = clockAt(new Date('2030-01-07T00:00:00Z'));
    const first = newJob({ id: randomUUID(), kind: 'listed', input: {} }, clock.now());
    clock.advance(1_000);
    const second = newJob({ id: randomUUID(), kind: 'listed', input: {} }, clock.now());
    await jobs.create(first);
    await jobs.create(second);
    expect(await jobs.create(second)).toBe(false);
    expect((await jobs.list('listed')).map((j) => j.id)).toEqual([second.id, first.id]);
  });
});
