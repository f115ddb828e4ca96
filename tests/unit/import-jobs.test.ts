import { describe, expect, it } from 'vitest';
import { runJobs } from '../../functions/core/jobs/run-jobs.js';
import { drainOutbox } from '../../functions/core/outbox/drain.js';
import {
  createImport,
  IMPORT_KIND,
  importKind,
  importView,
  startImport,
} from '../../functions/core/subscribers/import-jobs.js';
import { memoryDeliveryDeps } from '../support/builders.js';
import { MemoryBlobStore } from '../support/fakes/memory-blob-store.js';
import { MemoryJobRepository } from '../support/fakes/memory-jobs.js';

function importDeps() {
  return { ...memoryDeliveryDeps(), blobs: new MemoryBlobStore(), jobs: new MemoryJobRepository() };
}
type Deps = ReturnType<typeof importDeps>;

/** The job runner as the `jobs` function runs it, with the import kind and these deps. */
const run = (deps: Deps, owner: string, leaseMs = 60_000) =>
  runJobs(
    { jobs: deps.jobs, clock: deps.clock, kinds: { [IMPORT_KIND]: importKind }, kindDeps: deps },
    { deadline: Date.now() + 60_000, owner, leaseMs },
  );

describe('import jobs', () => {
  it('wait for their file: starting one before the upload names the file', async () => {
    const deps = importDeps();
    const { id, uploadUrl } = await createImport(deps);
    expect(uploadUrl).toContain(`imports/${id}.csv`);
    await expect(startImport(deps, id)).rejects.toMatchObject({
      details: { issues: [{ field: 'file', message: 'has not been uploaded' }] },
    });
    await deps.blobs.put(`imports/${id}.csv`, 'email\nx@example.com\n', 'text/csv');
    expect(await startImport(deps, id)).toMatchObject({ state: 'queued', version: 1 });
    expect(await startImport(deps, id)).toMatchObject({ state: 'queued', version: 1 });
  });

  it('taken over after the runner died mid-step, finish with each reader and each email once', async () => {
    const deps = importDeps();
    const { id } = await createImport(deps);
    const rows = Array.from({ length: 2_200 }, (_, i) => `r.${i}@example.com,security`);
    await deps.blobs.put(`imports/${id}.csv`, `email,topics\n${rows.join('\n')}\n`, 'text/csv');
    await startImport(deps, id);
    // The 1,500th create lands, then the runner dies: it never answers, never saves again.
    const create = deps.subscribers.create.bind(deps.subscribers);
    let creates = 0;
    deps.subscribers.create = async (s) => {
      const created = await create(s);
      if (++creates === 1_500) await new Promise(() => {});
      return created;
    };
    void run(deps, 'dies');
    await new Promise((r) => setTimeout(r, 500));
    expect(await deps.jobs.get(id)).toMatchObject({ state: 'running', lease: { owner: 'dies' } });
    deps.subscribers.create = create;
    // Its lease still holds: no other runner takes the job.
    expect(await run(deps, 'next')).toMatchObject({ steps: 0 });
    deps.clock.advance(60_001);
    expect(await run(deps, 'next')).toMatchObject({ finished: [id] });

    const view = importView((await deps.jobs.get(id))!);
    expect(view).toMatchObject({ state: 'done', bytesRead: view.size });
    expect(view.report).toMatchObject({
      imported: 0,
      confirmationsQueued: 2_200,
      skippedTotal: 0,
      errorsTotal: 0,
    });
    await drainOutbox(deps);
    expect(new Set(deps.mailer.sent.map((m) => m.to)).size).toBe(2_200);
    expect(deps.mailer.sent).toHaveLength(2_200);
  });

  it('end, with the reason, on a file without an email column (no retries)', async () => {
    const deps = importDeps();
    const { id } = await createImport(deps);
    await deps.blobs.put(`imports/${id}.csv`, 'name\nx\n', 'text/csv');
    await startImport(deps, id);
    expect(await run(deps, 'only')).toMatchObject({ steps: 1 });
    expect(importView((await deps.jobs.get(id))!)).toMatchObject({
      state: 'failed',
      failure: 'The first line must name the columns, with an "email" column.',
    });
  });
});
