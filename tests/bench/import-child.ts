/**
 * One import for the import benchmark, in its own process so its memory is its own: starts the
 * local stack (s3rver; DynamoDB is the parent's dynalite, AWS_ENDPOINT_URL_DYNAMODB), writes IMPORT_ROWS synthetic rows with stated consent (so no
 * email) to the blob store by multipart upload, generated part by part, then runs the import to
 * its end as the tick would, sampling process.memoryUsage().rss every 100 ms. Prints one JSON line.
 * A warm-up import of WARM_ROWS other rows runs to its end first, off the clock.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BlobPart } from '../../functions/core/ports.js';
import { systemClock } from '../../functions/core/clock.js';
import { runJobs } from '../../functions/core/jobs/run-jobs.js';
import {
  createImport,
  IMPORT_KIND,
  importDeps,
  importKind,
  importStatus,
  startImport,
} from '../../functions/core/subscribers/import-jobs.js';
import { startLocalStack } from '../../local/stack.js';

const rows = Number(process.env.IMPORT_ROWS);
const WARM_ROWS = 2_000;
const stack = await startLocalStack({
  env: {
    ...process.env,
    DATA_DIR: await mkdtemp(join(tmpdir(), 'dispatch-bench-import-')),
    PORT: '0',
    SES_PORT: '0',
    S3_PORT: '0',
  },
  persist: false,
  schedules: false,
  outbox: false,
});
// No kick: this process runs the job runner itself, as the `jobs` function would.
const deps = { ...importDeps(stack.deps), jobKicker: undefined };
const PART_BYTES = 8 * 1024 * 1024;
/** Writes `count` synthetic rows as one upload, part by part, and starts their import. */
async function uploadAndStart(count: number, label: string) {
  const { id } = await createImport(deps);
  const key = `imports/${id}.csv`;
  const uploadId = await deps.blobs.startUpload(key, 'text/csv');
  const parts: BlobPart[] = [];
  let part: string[] = ['email,topics,frequency,consent,consent_source\n'];
  let partBytes = part[0]!.length;
  const flush = async () => {
    parts.push(
      await deps.blobs.uploadPart(key, uploadId, parts.length + 1, Buffer.from(part.join(''))),
    );
    part = [];
    partBytes = 0;
  };
  for (let i = 0; i < count; i++) {
    const line = `${label}.${i}@example.com,security,weekly,yes,"the bench, row ${i}"\n`;
    part.push(line);
    partBytes += line.length;
    if (partBytes >= PART_BYTES) await flush();
  }
  if (partBytes) await flush();
  await deps.blobs.completeUpload(key, uploadId, parts);
  await startImport(deps, id);
  return id;
}
const runToEnd = () =>
  runJobs(
    { jobs: deps.jobs, clock: systemClock, kinds: { [IMPORT_KIND]: importKind }, kindDeps: deps },
    { deadline: Number.POSITIVE_INFINITY, owner: 'bench' },
  );

// An unmeasured import first, the same at both sizes, as the other benches warm up before the
// clock: the JIT, the SDK's connections and the job runner's first claim cost a few seconds once,
// which a small run would otherwise count as if they grew with the rows.
await uploadAndStart(WARM_ROWS, 'warm');
await runToEnd();
const id = await uploadAndStart(rows, 'bench');

global.gc?.();
const rssAtStart = process.memoryUsage().rss;
let peakRss = rssAtStart;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 100);
const t0 = performance.now();
// The pace through the file, each second: whether it slows as the table grows (dynalite's own
// cost per write does), not only the whole run's average.
const progress: [number, number][] = [];
const tracker = setInterval(async () => {
  const now = await deps.jobs.get(id);
  progress.push([performance.now() - t0, now?.progress.done ?? 0]);
}, 1_000);
await runToEnd();
const done = await importStatus(deps, id);
const seconds = (performance.now() - t0) / 1000;
clearInterval(sampler);
clearInterval(tracker);
/** Bytes a second over the first and the last fifth of the run. */
const paceOver = (from: number, to: number) => {
  const inside = progress.filter(
    ([ms]) => ms >= from * seconds * 1000 && ms <= to * seconds * 1000,
  );
  const [a, b] = [inside[0], inside.at(-1)];
  return a && b && b[0] > a[0] ? ((b[1] - a[1]) / (b[0] - a[0])) * 1000 : undefined;
};
global.gc?.();
const report = (done.result as { report?: { imported: number; errorsTotal: number } } | undefined)
  ?.report;
console.log(
  JSON.stringify({
    seconds,
    rows,
    bytes: done.progress.total,
    state: done.state,
    imported: report?.imported,
    errors: report?.errorsTotal,
    rssAtStart,
    peakRss,
    heapAtEnd: process.memoryUsage().heapUsed,
    bytesPerSecondFirstFifth: paceOver(0, 0.2),
    bytesPerSecondLastFifth: paceOver(0.8, 1),
  }),
);
await stack.close();
process.exit(0);
