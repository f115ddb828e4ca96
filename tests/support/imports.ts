import {
  type ImportCheckpoint,
  type ImportDeps,
  importStep,
} from '../../functions/core/subscribers/import-job.js';
import type { ReadOptions } from '../../functions/core/subscribers/import-reader.js';
import { readOptions } from '../../functions/core/subscribers/import-reader.js';
import type { SubscriberDeps } from '../../functions/core/subscribers/deps.js';
import { MemoryBlobStore } from './fakes/memory-blob-store.js';

let imports = 0;

/**
 * A CSV imported start to end, step after step as the job runner would, from an in-memory blob
 * store: for unit tests of what an import does to readers and the outbox.
 */
export async function importText(
  deps: SubscriberDeps & { blobs?: ImportDeps['blobs'] },
  text: string,
  options: Partial<ReadOptions> = {},
) {
  const blobs = deps.blobs ?? new MemoryBlobStore();
  const jobId = `import-${++imports}`;
  const key = `imports/${jobId}.csv`;
  await blobs.put(key, text, 'text/csv');
  const input = { jobId, key, size: (await blobs.size(key))! };
  let checkpoint: ImportCheckpoint | undefined;
  for (;;) {
    const step = await importStep({ ...deps, blobs }, input, checkpoint, {
      ...readOptions,
      ...options,
    });
    checkpoint = step.checkpoint;
    if (step.done) return checkpoint.report;
  }
}
