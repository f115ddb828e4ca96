/**
 * One CSV export for the export benchmark, in its own process so its memory is its own: the
 * readers are already in the table (TABLE_NAME, seeded by export-import.ts); this creates the
 * export job and runs the job runner until it is done, sampling RSS every 100 ms. Prints one JSON
 * line with the figures.
 */
import { randomUUID } from 'node:crypto';
import { buildJobsDeps, parseConfig } from '../../functions/config.js';
import { runJobs } from '../../functions/core/jobs/run-jobs.js';
import { startExport } from '../../functions/core/subscribers/export-job.js';

const deps = buildJobsDeps(parseConfig(process.env));
const job = await startExport({ ...deps, ...deps.kindDeps }, 'bench', randomUUID());
const rssAtStart = process.memoryUsage().rss;
let peakRss = rssAtStart;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 100);
const t = performance.now();
let runs = 0;
let state = job.state;
while (state !== 'done' && state !== 'failed' && runs < 1_000) {
  runs++;
  // A Lambda-sized budget per run, as the jobs function gets.
  await runJobs(deps, { deadline: Date.now() + 285_000, owner: `bench-${runs}` });
  state = (await deps.jobs.get(job.id))!.state;
}
const seconds = (performance.now() - t) / 1000;
clearInterval(sampler);
peakRss = Math.max(peakRss, process.memoryUsage().rss);
const done = (await deps.jobs.get(job.id))!;
console.log(
  JSON.stringify({
    seconds,
    state: done.state,
    error: done.error,
    rows: done.progress.done,
    bytes: done.result?.bytes,
    key: done.result?.key,
    runs,
    rssAtStart,
    peakRss,
    maxRssKb: process.resourceUsage().maxRSS,
  }),
);
process.exit(0);
