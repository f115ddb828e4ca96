/**
 * The import benchmark: N synthetic readers with stated consent imported from the blob store
 * (tests/bench/import-child.ts, a process of its own per run; dynalite stays in this one), at
 * two sizes, to show the time
 * linear in the rows and the memory flat. `benchImport(n)` is one run; `benchImports` the pair.
 */
import { spawn } from 'node:child_process';
import { startDynalite } from '../../local/emulators.js';
import type { Report } from './report.js';

export type ImportRun = {
  seconds: number;
  rows: number;
  bytes: number;
  state: string;
  imported: number;
  errors: number;
  rssAtStart: number;
  peakRss: number;
  heapAtEnd: number;
  bytesPerSecondFirstFifth?: number;
  bytesPerSecondLastFifth?: number;
};

export async function benchImport(n: number): Promise<ImportRun> {
  // dynalite in this process, the import in the child: the table's memory is not the import's.
  const db = await startDynalite({ port: 0 });
  try {
    return await importRun(n, db.url);
  } finally {
    await db.close();
  }
}

async function importRun(n: number, dynamodb: string): Promise<ImportRun> {
  const child = spawn(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', 'tests/bench/import-child.ts'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: {
        ...process.env,
        BASE_URL: undefined,
        AWS_ENDPOINT_URL_DYNAMODB: dynamodb,
        AWS_ENDPOINT_URL_SES: undefined,
        AWS_ENDPOINT_URL_S3: undefined,
        IMPORT_ROWS: String(n),
        OUTBOX_DIR: '',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
    },
  );
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  const line = out
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{"seconds"'))
    .pop();
  if (code !== 0 || !line) throw new Error(`import of ${n} exited (${code}):\n${out.slice(-2000)}`);
  return JSON.parse(line) as ImportRun;
}

const pace = (bytesPerSecond: number | undefined) =>
  bytesPerSecond === undefined ? 'n/a' : `${(bytesPerSecond / 1024).toFixed(0)} KiB/s`;

/** Two sizes, a tenth and the whole (quick: 5,000 and 50,000; full: 100,000 and 1,000,000). */
export async function benchImports(report: Report, quick: boolean) {
  const [small, large] = quick ? [5_000, 50_000] : [100_000, 1_000_000];
  const MB = 1024 * 1024;
  const runs: ImportRun[] = [];
  for (const n of [small, large]) {
    const run = await benchImport(n);
    runs.push(run);
    console.log(
      `${'import'.padEnd(14)}${n} rows (${(run.bytes / MB).toFixed(1)} MB): ${run.seconds.toFixed(1)} s, ${Math.round(n / run.seconds)} rows/s, ${run.imported} imported, ${run.errors} errors; RSS ${(run.rssAtStart / MB).toFixed(0)} → peak ${(run.peakRss / MB).toFixed(0)} MB, heap after GC ${(run.heapAtEnd / MB).toFixed(0)} MB; pace first fifth ${pace(run.bytesPerSecondFirstFifth)}, last fifth ${pace(run.bytesPerSecondLastFifth)}`,
    );
  }
  const [a, b] = runs as [ImportRun, ImportRun];
  const factor = large / small;
  const timeRatio = b.seconds / a.seconds;
  const complete = a.imported === small && b.imported === large && b.state === 'done';
  report(
    {
      bench: 'import',
      metric: `time ${large} / ${small}`,
      value: timeRatio,
      unit: 'x',
      baseline: factor,
      baselineUnit: 'x (rows ratio)',
      ratio: timeRatio / factor,
      target: `${factor}x ± 20 %`,
      pass: Math.abs(timeRatio / factor - 1) <= 0.2 && complete,
      details: { small: a, large: b },
    },
    `time ${b.seconds.toFixed(1)} s / ${a.seconds.toFixed(1)} s = ${timeRatio.toFixed(2)}x vs ${factor}x rows; ${Math.round(large / b.seconds)} rows/s at ${large}`,
  );
  const memRatio = b.peakRss / a.peakRss;
  // Flat memory: what the import keeps (the live heap after a full GC at its end) the same at
  // both sizes, and the peak RSS, which also follows when V8 chooses to collect, at most 1.5x
  // (the export bench's target: three quick runs gave 1.05x, 1.13x and 1.26x for the same code).
  const heapRatio = b.heapAtEnd / a.heapAtEnd;
  report(
    {
      bench: 'import',
      metric: `peak RSS ${large} / ${small}`,
      value: b.peakRss,
      unit: 'bytes',
      baseline: a.peakRss,
      baselineUnit: `bytes (peak RSS at ${small})`,
      ratio: memRatio,
      target: 'peak RSS ≤1.5x, heap after GC within 20 %',
      pass: memRatio <= 1.5 && Math.abs(heapRatio - 1) <= 0.2,
      details: { heapRatio },
    },
    `peak RSS ${(b.peakRss / MB).toFixed(0)} MB at ${large} vs ${(a.peakRss / MB).toFixed(0)} MB at ${small}  ratio ${memRatio.toFixed(2)}; heap after GC ${(b.heapAtEnd / MB).toFixed(0)} vs ${(a.heapAtEnd / MB).toFixed(0)} MB  ratio ${heapRatio.toFixed(2)}`,
  );
}
