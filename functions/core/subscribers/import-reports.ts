import type { JobRepository } from '../jobs/ports.js';
import { isOpen, type Job } from '../jobs/job.js';
import type { ImportReport } from './import-job.js';
import { IMPORT_KIND } from './import-jobs.js';

/** Imports' reports are kept 30 days (dynamo-jobs.ts): at most this many are read back. */
const KEPT_IMPORTS = 1000;
const MAX_RACES = 5;

/**
 * An import's report lists the rows it skipped by address ("already subscribed"): an erased
 * reader's rows leave every finished import's report. A running import's report is its runner's
 * to write (its saves are conditional on the version); docs/security.md names that window.
 */
export async function forgetInImportReports(
  jobs: Pick<JobRepository, 'list' | 'get' | 'save'>,
  email: string,
): Promise<number> {
  let changed = 0;
  for (const listed of await jobs.list(IMPORT_KIND, KEPT_IMPORTS)) {
    for (let race = 0; race < MAX_RACES; race++) {
      const job = race === 0 ? listed : await jobs.get(listed.id);
      if (!job || isOpen(job) || !JSON.stringify(job).includes(email)) break;
      if (await jobs.save(without(job, email))) {
        changed++;
        break;
      }
    }
  }
  return changed;
}

function without(job: Job, email: string): Job {
  const scrub = (report: ImportReport | undefined) =>
    report && { ...report, skipped: report.skipped.filter((row) => row.email !== email) };
  const result = job.result as { report?: ImportReport } | undefined;
  const checkpoint = job.checkpoint as { report?: ImportReport } | undefined;
  return {
    ...job,
    ...(result?.report && { result: { ...result, report: scrub(result.report) } }),
    ...(checkpoint?.report && { checkpoint: { ...checkpoint, report: scrub(checkpoint.report) } }),
    version: job.version + 1,
  };
}
