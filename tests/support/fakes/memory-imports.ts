import type {
  ImportJob,
  ImportJobRepository,
} from '../../../functions/core/subscribers/import-jobs.js';
import { VersionedItems } from './versioned-items.js';

/** Imports in memory, under the same optimistic locking as the Dynamo adapter. */
export class MemoryImportJobRepository
  extends VersionedItems<ImportJob>
  implements ImportJobRepository
{
  async active() {
    return [...this.items.values()]
      .filter((job) => job.state === 'queued' || job.state === 'running')
      .map((job) => structuredClone(job));
  }
}
