/**
 * One import for the import benchmark, in its own process so its memory is its own: starts the
 * local stack (s3rver; DynamoDB is the parent's dynalite, AWS_ENDPOINT_URL_DYNAMODB), writes IMPORT_ROWS synthetic rows with stated consent (so no
 * email) to the blob store by multipart upload, generated part by part, then runs the import to
 * its end as the tick would, sampling process.memoryUsage().rss every 100 ms. Prints one JSON line.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BlobPart } from '../../functions/core/ports.js';
import {
  createImport,
  importDeps,
  runImport,
  startImport,
} from '../../functions/core/subscribers/import-jobs.js';
import { startLocalStack } from '../../local/stack.js';

const rows = Number(process.env.IMPORT_ROWS);
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
const deps = importDeps(stack.deps);
const { job } = await createImport(deps);

const PART_BYTES = 8 * 1024 * 1024;
const uploadId = await deps.blobs.startUpload(job.key, 'text/csv');
const parts: BlobPart[] = [];
let part: string[] = ['email,topics,frequency,consent,consent_source\n'];
let partBytes = part[0]!.length;
const flush = async () => {
  parts.push(
    await deps.blobs.uploadPart(job.key, uploadId, parts.length + 1, Buffer.from(part.join(''))),
  );
  part = [];
  partBytes = 0;
};
for (let i = 0; i < rows; i++) {
  const line = `bench.${i}@example.com,security,weekly,yes,"the bench, row ${i}"\n`;
  part.push(line);
  partBytes += line.length;
  if (partBytes >= PART_BYTES) await flush();
}
if (partBytes) await flush();
await deps.blobs.completeUpload(job.key, uploadId, parts);
await startImport(deps, job.id);

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
  const now = await deps.imports.get(job.id);
  progress.push([performance.now() - t0, now?.checkpoint?.position.offset ?? 0]);
}, 1_000);
const done = await runImport(deps, job.id, { deadline: Number.POSITIVE_INFINITY });
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
const report = done?.checkpoint?.report;
console.log(
  JSON.stringify({
    seconds,
    rows,
    bytes: done?.size,
    state: done?.state,
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
