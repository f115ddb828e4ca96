import { isOpen, type Job } from '../../../functions/core/jobs/job.js';
import type { JobRepository } from '../../../functions/core/jobs/ports.js';
import { VersionedItems } from './versioned-items.js';

/** Jobs in memory, under the same optimistic locking as the Dynamo adapter. */
export class MemoryJobRepository extends VersionedItems<Job> implements JobRepository {
  async due(now: Date, limit = 10) {
    return [...this.items.values()]
      .filter((job) => isOpen(job) && Date.parse(job.dueAt) <= now.getTime())
      .sort((a, b) => a.dueAt.localeCompare(b.dueAt))
      .slice(0, limit)
      .map((job) => structuredClone(job));
  }

  async list(kind: string, limit = 20) {
    return [...this.items.values()]
      .filter((job) => job.kind === kind)
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
      .slice(0, limit)
      .map((job) => structuredClone(job));
  }
}
