/**
 * The export benchmark (issue 15): N synthetic readers seeded into the bench sidecar's dynalite,
 * then exported to s3rver by the job runner in a process of its own (export-run.ts). Reported:
 * time per row and peak RSS, at two sizes, to show time linear in N and memory flat.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { S3Client } from '@aws-sdk/client-s3';
import { createDocumentClient, ensureTable } from '../../functions/adapters/dynamo/client.js';
import { ensureBucket } from '../../functions/adapters/s3/ensure-bucket.js';
import { S3BlobStore } from '../../functions/adapters/s3/s3-blob-store.js';
import { CSV_COLUMNS } from '../../functions/core/subscribers/csv.js';
import { startS3rver } from '../../local/emulators.js';
import { aSubscriber } from '../support/builders.js';
import { seedReaders } from '../support/seed-readers.js';
import type { Report } from './report.js';

const CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
const TABLE = 'dispatch-bench-export';
const BUCKET = 'dispatch-bench-blobs';

export type ExportRun = {
  readers: number;
  seconds: number;
  microsPerRow: number;
  rows: number;
  bytes: number;
  runs: number;
  state: string;
  rssAtStart: number;
  peakRss: number;
  maxRssKb: number;
  seedSeconds: number;
  /** The file in the bucket is the size the job reported and starts with the header. */
  fileChecked: boolean;
};

/** The sidecar's emulators (tests/bench/sidecar.ts): its dynalite is what is read. */
async function sidecar() {
  const child = spawn(process.execPath, ['--import', 'tsx', 'tests/bench/sidecar.ts'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, BENCH_SES_LATENCY_MS: '0', BENCH_DYNAMODB_LATENCY_MS: '0' },
  });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`bench sidecar exited (${code})`)));
  });
  const { dynamodb } = JSON.parse(line) as { dynamodb: string };
  return {
    dynamodb,
    close: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Seeds `n` readers, exports them, and checks the file. */
export async function benchExport(n: number): Promise<ExportRun> {
  const db = await sidecar();
  const s3 = await startS3rver({ port: 0 });
  const s3Client = new S3Client({
    endpoint: s3.url,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: CREDENTIALS,
  });
  try {
    await ensureBucket(s3Client, BUCKET, 'http://127.0.0.1');
    const client = createDocumentClient({
      endpoint: db.dynamodb,
      region: 'us-east-1',
      credentials: CREDENTIALS,
    });
    await ensureTable(client, TABLE);
    const t = performance.now();
    await seedReaders(client, TABLE, n, (i) =>
      aSubscriber({ email: `bench.${i}@example.com`, topics: ['security', 'economy'] }),
    );
    const seedSeconds = (performance.now() - t) / 1000;
    client.destroy();
    const child = spawn(process.execPath, ['--import', 'tsx', 'tests/bench/export-run.ts'], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: {
        ...process.env,
        BASE_URL: 'http://127.0.0.1:3000',
        TABLE_NAME: TABLE,
        SIGNING_SECRET: 'bench-signing-secret-bench-signing-secret',
        SUPPRESSION_SECRET: 'bench-suppression-secret-bench-suppression',
        PUBLICATION_NAME: 'Bench',
        FROM_ADDRESS: 'bench@example.com',
        POSTAL_ADDRESS: '1 Example Street',
        BLOB_BUCKET: BUCKET,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
        AWS_ENDPOINT_URL_DYNAMODB: db.dynamodb,
        AWS_ENDPOINT_URL_S3: s3.url,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
    });
    let output = '';
    child.stdout!.on('data', (d) => (output += d));
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    const line = output.trim().split('\n').pop() ?? '';
    if (code !== 0 || !line.startsWith('{'))
      throw new Error(`export-run exited ${code}: ${output}`);
    const run = JSON.parse(line) as Omit<
      ExportRun,
      'readers' | 'microsPerRow' | 'seedSeconds' | 'fileChecked'
    > & {
      key: string;
    };
    const blobs = new S3BlobStore(s3Client, BUCKET);
    const head = new TextDecoder().decode(await blobs.readRange(run.key, 0, 200));
    const fileChecked =
      (await blobs.size(run.key)) === run.bytes && head.startsWith(CSV_COLUMNS.join(','));
    return {
      ...run,
      readers: n,
      microsPerRow: (run.seconds * 1e6) / n,
      seedSeconds,
      fileChecked,
    };
  } finally {
    s3Client.destroy();
    await s3.close();
    await db.close();
  }
}

/**
 * `npm run bench -- --only=export`: two sizes (quick 10,000 and 50,000; full 200,000 and
 * 1,000,000). Time should grow with N (±20 %), peak RSS should not (at most 1.5x): the export
 * holds one part (≥ 5 MiB) and one Scan page at a time, whatever the list's size.
 */
export async function benchExports(quick: boolean, report: Report) {
  const [small, large] = quick ? [10_000, 50_000] : [200_000, 1_000_000];
  const MB = 1024 * 1024;
  const a = await benchExport(small);
  const b = await benchExport(large);
  for (const r of [a, b])
    report(
      {
        bench: 'export',
        metric: `time per row at ${r.readers}`,
        value: r.microsPerRow,
        unit: 'µs/row',
        target: 'information',
        pass: null,
        details: { ...r },
      },
      `${r.readers.toLocaleString('en')} readers: ${r.seconds.toFixed(1)} s (${r.microsPerRow.toFixed(0)} µs/row, ${(r.bytes / MB).toFixed(1)} MB in ${r.runs} run(s), ${r.state}), peak RSS ${(r.peakRss / MB).toFixed(0)} MB; seeded in ${r.seedSeconds.toFixed(1)} s`,
    );
  const factor = large / small;
  const timeRatio = b.seconds / a.seconds;
  const complete = [a, b].every((r) => r.state === 'done' && r.rows === r.readers && r.fileChecked);
  report(
    {
      bench: 'export',
      metric: `time ${large} / ${small}`,
      value: timeRatio,
      unit: 'x',
      baseline: factor,
      baselineUnit: 'x (readers ratio)',
      ratio: timeRatio / factor,
      target: `${factor}x ± 20 %`,
      pass: Math.abs(timeRatio / factor - 1) <= 0.2 && complete,
    },
    `time ${b.seconds.toFixed(1)} s / ${a.seconds.toFixed(1)} s = ${timeRatio.toFixed(2)}x vs ${factor}x readers`,
  );
  const memRatio = b.peakRss / a.peakRss;
  report(
    {
      bench: 'export',
      metric: `peak RSS ${large} / ${small}`,
      value: memRatio,
      unit: 'x',
      target: '≤ 1.5x (flat)',
      pass: memRatio <= 1.5 && complete,
    },
    `peak RSS ${(b.peakRss / MB).toFixed(0)} MB / ${(a.peakRss / MB).toFixed(0)} MB = ${memRatio.toFixed(2)}x`,
  );
}
