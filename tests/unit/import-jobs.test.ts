import { describe, expect, it } from 'vitest';
import { drainOutbox } from '../../functions/core/outbox/drain.js';
import {
  createImport,
  LEASE_MS,
  runImport,
  runImports,
  startImport,
} from '../../functions/core/subscribers/import-jobs.js';
import { memoryDeliveryDeps } from '../support/builders.js';
import { MemoryBlobStore } from '../support/fakes/memory-blob-store.js';
import { MemoryImportJobRepository } from '../support/fakes/memory-imports.js';

function importDeps() {
  return {
    ...memoryDeliveryDeps(),
    blobs: new MemoryBlobStore(),
    imports: new MemoryImportJobRepository(),
  };
}
const forever = { deadline: Number.POSITIVE_INFINITY };

describe('import jobs', () => {
  it('wait for their file: starting one before the upload names the file', async () => {
    const deps = importDeps();
    const { job, uploadUrl } = await createImport(deps);
    expect(job.state).toBe('awaiting-upload');
    expect(uploadUrl).toContain(job.key);
    await expect(startImport(deps, job.id)).rejects.toMatchObject({
      details: { issues: [{ field: 'file', message: 'has not been uploaded' }] },
    });
    await deps.blobs.put(job.key, 'email\nx@example.com\n', 'text/csv');
    expect(await startImport(deps, job.id)).toMatchObject({ state: 'queued', size: 20 });
    expect(await startImport(deps, job.id)).toMatchObject({ state: 'queued', version: 2 });
  });

  it('taken over after the runner died mid-step, finish with each reader and each email once', async () => {
    const deps = importDeps();
    const { job } = await createImport(deps);
    const rows = Array.from({ length: 2_200 }, (_, i) => `r.${i}@example.com,security`);
    await deps.blobs.put(job.key, `email,topics\n${rows.join('\n')}\n`, 'text/csv');
    await startImport(deps, job.id);
    const create = deps.subscribers.create.bind(deps.subscribers);
    let creates = 0;
    deps.subscribers.create = async (s) => {
      const created = await create(s);
      if (++creates === 1_500) throw new Error('the runner died');
      return created;
    };

    await expect(runImport(deps, job.id, forever)).rejects.toThrow('the runner died');
    expect(await deps.imports.get(job.id)).toMatchObject({ state: 'running' });
    // Its lease still holds: no other runner takes the job.
    expect(await runImports(deps, forever)).toEqual({ finished: 0 });
    deps.clock.advance(LEASE_MS + 1);
    expect(await runImports(deps, forever)).toEqual({ finished: 1 });

    const done = (await deps.imports.get(job.id))!;
    expect(done.state).toBe('done');
    expect(done.checkpoint!.report).toMatchObject({
      imported: 0,
      confirmationsQueued: 2_200,
      skippedTotal: 0,
      errorsTotal: 0,
    });
    await drainOutbox(deps);
    expect(new Set(deps.mailer.sent.map((m) => m.to)).size).toBe(2_200);
    expect(deps.mailer.sent).toHaveLength(2_200);
  });

  it('fail, with the reason, on a file without an email column', async () => {
    const deps = importDeps();
    const { job } = await createImport(deps);
    await deps.blobs.put(job.key, 'name\nx\n', 'text/csv');
    await startImport(deps, job.id);
    expect(await runImport(deps, job.id, forever)).toMatchObject({
      state: 'failed',
      failure: 'The first line must name the columns, with an "email" column.',
    });
    expect(await deps.imports.active()).toEqual([]);
  });
});
