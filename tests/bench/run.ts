/**
 * `npm run bench [-- --quick] [-- --only=render,pacing,pipeline,cost,signup,burst,coldstart,scale,export,sendnow,import]`
 *
 * Each figure is printed next to a baseline measured in the same run, with its target and a
 * PASS/SHORT mark, and the whole run is appended as JSON to tests/bench/results/<ISO date>.json.
 * Not part of `npm test`. Everything binds to 127.0.0.1.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { serve } from '@hono/node-server';
import { BatchWriteCommand, DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESClient, SendRawEmailCommand } from '@aws-sdk/client-ses';
import { type Context, Hono } from 'hono';
import type { Cannon, CannonOptions } from './cannon.js';
import type { BenchResult as Result } from './report.js';
import { articleCatalog, loadTopics } from '../../functions/adapters/content/fs-content.js';
import { createDocumentClient, ensureTable } from '../../functions/adapters/dynamo/client.js';
import { tableKeys } from '../../functions/adapters/dynamo/table.js';
import { MjmlIssueRenderer } from '../../functions/adapters/mjml/mjml-renderer.js';
import { SesMailer } from '../../functions/adapters/ses/ses-mailer.js';
import { buildDeliveryDeps, parseConfig } from '../../functions/config.js';
import { Pacer } from '../../functions/core/delivery/pacer.js';
import { splitRate } from '../../functions/core/delivery/rate-budget.js';
import { runWorker } from '../../functions/core/delivery/worker.js';
import { preparePersonalization } from '../../functions/core/email/personalize.js';
import {
  createArticleIssue,
  issueReport,
  sendIssueNow,
} from '../../functions/core/issues/manage-issues.js';
import type { Issue } from '../../functions/core/issues/issue.js';
import type { OutgoingMessage } from '../../functions/core/ports.js';
import { recipientShardOf, subscriberIdFor } from '../../functions/core/subscribers/subscriber.js';
import { createLogger } from '../../functions/logger.js';
import {
  functionDefinitions,
  packagedFolders,
  sendWorkers,
  type DeployedVariable,
  type FunctionDefinition,
} from '../../infra/functions.js';
import { outboxBurst } from './outbox-burst.js';
import { benchSendNow } from './send-now.js';
import { sqsEvent } from '../../local/sender-fleet.js';
import { reputationAlarmNames } from '../../infra/alarm-names.js';
import { startLocalStack, type LocalStack } from '../../local/stack.js';
import { benchExports } from './export-import.js';
import { scheduleDefinitions } from '../../infra/schedule-definitions.js';
import { aPublication, aSubscriber } from '../support/builders.js';
import { benchImports } from './import.js';
import {
  buildLambdaPackage,
  modulesAtStart,
  startLambda,
  type LambdaPackage,
} from '../support/lambda-bundle.js';
import {
  alarmStateChangeEvent,
  dynamodbStreamEvent,
  httpEvent,
  scheduledEvent,
  sesBounceEvent,
  type HttpResponse,
} from '../support/lambda-events.js';

const args = process.argv.slice(2);
const QUICK = args.includes('--quick');
const ONLY = args
  .find((a) => a.startsWith('--only='))
  ?.slice(7)
  .split(',');
const want = (name: string) => !ONLY || ONLY.includes(name);
/** The scale bench's large send (full run); SCALE_LARGE=… changes it. */
const SCALE_LARGE = Number(process.env.SCALE_LARGE ?? 100_000);
const SLUG = 'nato-western-balkans-stability';
const CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

/** AWS public on-demand prices, us-east-1, as published on 2026-11-28 (the README's cost table uses the same). */
const PRICES = {
  date: '2026-11-28',
  region: 'us-east-1',
  dynamoWriteRequestUnitPerMillion: 0.625,
  dynamoReadRequestUnitPerMillion: 0.125,
  lambdaArmGbSecond: 0.0000133334,
  lambdaRequestPerMillion: 0.2,
  sesPerThousand: 0.1,
};

const results: Result[] = [];

function report(r: Result, line: string) {
  results.push(r);
  console.log(
    `${r.bench.padEnd(14)}${line}  target ${r.target}  ${r.pass === null ? 'INFO' : r.pass ? 'PASS' : 'SHORT'}`,
  );
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const cpuMs = (start: NodeJS.CpuUsage) => {
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1000;
};
const fmt = (n: number, digits = 1) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
const fmtTime = (ms: number) =>
  ms >= 1000 ? `${fmt(ms / 1000, 2)} s` : ms >= 1 ? `${fmt(ms, 1)} ms` : `${fmt(ms * 1000, 2)} µs`;

async function benchArticle() {
  const topics = await loadTopics('content');
  const article = (await articleCatalog('content', topics).bySlug(SLUG))!;
  const publication = aPublication({ topics });
  const now = new Date().toISOString();
  const issue: Issue = {
    id: 'bench',
    content: { kind: 'article', slug: SLUG },
    subject: article.title,
    audience: { topics: ['security'], frequencies: ['immediate', 'daily', 'weekly'] },
    state: 'sending',
    deliveryKey: `article:${SLUG}`,
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
  return { article, publication, issue, renderer: new MjmlIssueRenderer('templates') };
}

const valuesFor = (i: number, baseUrl = 'https://news.example.org') => ({
  publication_name: 'The Test Gazette',
  postal_address: '1 Test Street, Testville',
  base_url: baseUrl,
  unsubscribe_url: `${baseUrl}/unsubscribe/${'t'.repeat(40)}${i}`,
  preferences_url: `${baseUrl}/preferences/${'p'.repeat(40)}${i}`,
  email: `reader.${i}@example.com`,
});

// 1. Render once vs per recipient ---------------------------------------------------------------
async function benchRender() {
  const { article, publication, issue, renderer } = await benchArticle();
  for (let i = 0; i < 2; i++) await renderer.render(issue, [article], publication); // warm-up
  const compiles: number[] = [];
  let compiled = await renderer.render(issue, [article], publication);
  for (let i = 0; i < (QUICK ? 5 : 20); i++) {
    const t = performance.now();
    compiled = await renderer.render(issue, [article], publication);
    compiles.push(performance.now() - t);
  }
  const compileMs = median(compiles);
  const personalize = preparePersonalization(compiled);
  const values = Array.from({ length: 1000 }, (_, i) => valuesFor(i));
  for (let i = 0; i < 2000; i++) personalize(values[i % 1000]!); // warm-up
  const RECIPIENTS = 100_000;
  // Median of 5 batches of 1,000 for the per-call figure, then 100,000 in one go for CPU.
  const batches: number[] = [];
  for (let b = 0; b < 5; b++) {
    const t = performance.now();
    for (let i = 0; i < 1000; i++) personalize(values[i]!);
    batches.push((performance.now() - t) / 1000);
  }
  const perRecipientMs = median(batches);
  let bytes = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < RECIPIENTS; i++) bytes += personalize(values[i % 1000]!).html.length;
  const wall = performance.now() - t0;
  const cpu = cpuMs(cpu0);
  const ratio = compileMs / perRecipientMs;
  report(
    {
      bench: 'render-once',
      metric: 'personalization vs compile',
      value: perRecipientMs,
      unit: 'ms',
      baseline: compileMs,
      baselineUnit: 'ms',
      ratio,
      target: '≥1000x',
      pass: ratio >= 1000,
      details: { compilesMs: compiles, htmlBytes: compiled.html.length },
    },
    `personalization ${fmtTime(perRecipientMs)} vs compile ${fmtTime(compileMs)}  ratio ${fmt(ratio, 0)}x`,
  );
  report(
    {
      bench: 'render-once',
      metric: '100k recipients personalized, CPU',
      value: cpu,
      unit: 'ms',
      baseline: compileMs,
      baselineUnit: 'ms (one compile)',
      target: '<1 s CPU',
      pass: cpu < 1000,
      details: { wallMs: wall, htmlBytesTotal: bytes },
    },
    `100,000 personalized in ${fmtTime(cpu)} CPU (${fmtTime(wall)} wall) vs one compile ${fmtTime(compileMs)}`,
  );
}

// 2. Pacing ---------------------------------------------------------------------------------------
/** The most timestamps (ms, sorted) in any window [t, t + 1000). */
function maxInWindow(ts: number[]): number {
  let best = 0;
  for (let i = 0, j = 0; j < ts.length; j++) {
    while (ts[j]! - ts[i]! >= 1000) i++;
    best = Math.max(best, j - i + 1);
  }
  return best;
}

async function benchPacing() {
  // The bare endpoint in the sidecar: the local gateway in this process would spend its own CPU
  // parsing and storing every message, in the process whose timing is measured.
  const sidecar = await startSidecar();
  try {
    const { article, publication, issue, renderer } = await benchArticle();
    const personalize = preparePersonalization(
      await renderer.render(issue, [article], publication),
    );
    const mailer = new SesMailer({
      from: { name: 'Bench', address: 'news@example.org' },
      logger: createLogger(),
      clientConfig: { endpoint: sidecar.sesBare, region: 'us-east-1', credentials: CREDENTIALS },
    });
    const seconds = QUICK ? 5 : 30;
    // As a worker does: its lanes share one pacer; each takes a slot, then sends and waits for
    // SES's answer (one lane alone could not keep 500/s if an answer took over 2 ms).
    const lanes = 8;
    for (const rate of [10, 50, 200, 500]) {
      const pacer = new Pacer(rate);
      const issued: number[] = [];
      const done: number[] = [];
      const start = performance.now();
      const end = start + seconds * 1000;
      let i = 0;
      await Promise.all(
        Array.from({ length: lanes }, async () => {
          while (performance.now() < end) {
            await pacer.take();
            if (performance.now() >= end) break;
            issued.push(performance.now());
            const message: OutgoingMessage = {
              to: `pace.${rate}.${i}@example.com`,
              subject: issue.subject,
              ...personalize(valuesFor(i++)),
            };
            await mailer.send(message);
            done.push(performance.now());
          }
        }),
      );
      done.sort((x, y) => x - y);
      const elapsed = (issued[issued.length - 1]! - issued[0]!) / 1000;
      const achieved = (issued.length - 1) / elapsed;
      const maxIssued = maxInWindow(issued);
      const maxDone = maxInWindow(done);
      // How close rate + 1 consecutive sends came to fitting in one second (≥ 1000 ms is safe).
      let minSpan = Infinity;
      for (let k = 0; k + rate < issued.length; k++)
        minSpan = Math.min(minSpan, issued[k + rate]! - issued[k]!);
      const okRate = Math.abs(achieved - rate) / rate <= 0.05;
      report(
        {
          bench: 'pacing',
          metric: `achieved rate at ${rate}/s`,
          value: achieved,
          unit: 'msgs/s',
          baseline: rate,
          baselineUnit: 'msgs/s configured',
          ratio: achieved / rate,
          target: 'within 5 %',
          pass: okRate,
          details: { seconds, sent: issued.length },
        },
        `${String(rate).padStart(3)}/s  achieved ${fmt(achieved, 2)}/s vs configured ${rate}/s (${fmt(((achieved - rate) / rate) * 100, 2)} %) over ${seconds} s`,
      );
      report(
        {
          bench: 'pacing',
          metric: `max in any 1 s window at ${rate}/s`,
          value: maxIssued,
          unit: 'msgs',
          baseline: rate,
          baselineUnit: 'msgs (rate)',
          target: '≤ rate',
          pass: maxIssued <= rate,
          details: { maxByCompletion: maxDone, minSpanOfRatePlusOneMs: minSpan },
        },
        `${String(rate).padStart(3)}/s  max ${maxIssued} sends in any 1 s window (by SES answer: ${maxDone}; ${rate + 1} sends spanned ≥ ${fmt(minSpan, 2)} ms) vs rate ${rate}`,
      );
    }
  } finally {
    await sidecar.close();
  }
}

// The emulators, in their own process ---------------------------------------------------------------
type Sidecar = {
  dynamodb: string;
  dynamodbCounted: string;
  ses: string;
  /** An SES endpoint that only answers (bare-ses.ts): the send benchmarks' floor. */
  sesBare: string;
  child: ChildProcess;
  close(): Promise<void>;
};
async function startSidecar(
  latency: { sesMs?: number; dynamodbMs?: number } = {},
  options: { countIndexes?: boolean; maxSendRate?: number } = {},
): Promise<Sidecar> {
  const env = {
    ...process.env,
    BENCH_SES_LATENCY_MS: String(latency.sesMs ?? 0),
    BENCH_DYNAMODB_LATENCY_MS: String(latency.dynamodbMs ?? 0),
    BENCH_COUNT_INDEXES: options.countIndexes ? '1' : '0',
    BENCH_SES_MAX_SEND_RATE: String(options.maxSendRate ?? 1_000_000),
  };
  const child = spawn(process.execPath, ['--import', 'tsx', 'tests/bench/sidecar.ts'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env,
  });
  const line = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`bench sidecar exited (${code})`)));
  });
  const urls = JSON.parse(line) as Omit<Sidecar, 'child' | 'close'>;
  return {
    ...urls,
    child,
    close: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function stackOn(
  dynamodb: string,
  ses: string,
  extra: Record<string, string | undefined> = {},
  options: { outbox?: boolean } = {},
): Promise<LocalStack> {
  const dataDir = await mkdtemp(join(tmpdir(), 'dispatch-bench-'));
  const env = {
    ...process.env,
    BASE_URL: undefined,
    DATA_DIR: dataDir,
    PORT: '0',
    S3_PORT: '0',
    AWS_ENDPOINT_URL_DYNAMODB: dynamodb,
    AWS_ENDPOINT_URL_SES: ses,
    // Its own s3rver: the last stack left its (closed) one in process.env.
    AWS_ENDPOINT_URL_S3: undefined,
    SEND_RATE: '100000',
    OUTBOX_DIR: '',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    // The benchmarks flood from loopback, one client: the per-IP limit would stop them (issue
    // 13's terms). Everything else, the per-address limit among it, is as deployed.
    SIGNUP_LIMIT_PER_IP_PER_HOUR: '0',
    ...extra,
  };
  // MJML is loaded once per container, at its first render: before the clock starts, as when the
  // renderer loaded it at start, so the figures are per recipient, not per container.
  await import('../../functions/adapters/mjml/compile.js');
  return startLocalStack({ env, persist: false, schedules: false, ...options });
}

async function sendIssue(
  stack: LocalStack,
  workers: number,
  count: number,
  topic = 'security',
  prefix = `w${workers}`,
) {
  const deps = await buildDeliveryDeps(
    parseConfig(process.env),
    new MjmlIssueRenderer('templates'),
  );
  const t = performance.now();
  await seedDirect(stack.dynamodbEndpoint, stack.env.TABLE_NAME!, count, { prefix, topic });
  const seedMs = performance.now() - t;
  const issue = await createArticleIssue(deps, { article: SLUG, topics: [topic] });
  await sendIssueNow(deps, issue.id);
  return { deps, issueId: issue.id, seedMs };
}

async function drain(
  deps: Awaited<ReturnType<typeof buildDeliveryDeps>>,
  issueId: string,
  workers: number,
) {
  let sent = 0;
  let invocations = 0;
  for (let round = 0; round < 5; round++) {
    const runs = await Promise.all(
      Array.from({ length: workers }, (_, n) =>
        runWorker(deps, { issueId, workerId: `bench-${round}-${n}` }),
      ),
    );
    invocations += workers;
    sent += runs.reduce((s, r) => s + r.sent, 0);
    const { issue } = await issueReport(deps, issueId);
    if (issue.state === 'sent') break;
  }
  return { sent, invocations };
}

// 3. Pipeline throughput ----------------------------------------------------------------------------
/** What parseConfig insists on, for reading a default before any stack has set the rest. */
const REQUIRED_SETTINGS = {
  TABLE_NAME: 'bench',
  BASE_URL: 'http://127.0.0.1',
  SIGNING_SECRET: 'bench-secret-bench-secret-bench-secret',
  SUPPRESSION_SECRET: 'bench-suppression-bench-suppression-bench',
  PUBLICATION_NAME: 'Bench',
  FROM_ADDRESS: 'news@example.org',
  POSTAL_ADDRESS: '1 Example Street',
};
/** AWS's round trips as the benchmarks model them: SES answering in 30 ms, DynamoDB in 5 ms. */
const MODELLED_LATENCY = { sesMs: 30, dynamodbMs: 5 };
/** The sidecar's CPU so far, in milliseconds (sidecar.ts). */
const emulatorCpuMs = async (sidecar: Sidecar) =>
  ((await (await fetch(`${sidecar.dynamodbCounted}/_bench/cpu`)).json()) as { micros: number })
    .micros / 1000;
type BareCount = { sent: number; firstAt: number; lastAt: number };
const bareCount = async (sidecar: Sidecar, reset = false): Promise<BareCount> =>
  (await (
    await fetch(`${sidecar.sesBare}/_bench/sent`, { method: reset ? 'DELETE' : 'GET' })
  ).json()) as BareCount;
const rounds = QUICK ? 2 : 3;

/**
 * The pipeline against its floor, both sending to the bare SES endpoint: rounds alternate (an
 * issue of N / rounds recipients, then as many SDK calls with the same number in flight: a
 * worker's lanes), so the machine's drift lands on both alike. Medians of the rounds.
 */
async function pipelineAgainstFloor(workers: number, N: number, sidecar: Sidecar) {
  const stack = await stackOn(sidecar.dynamodb, sidecar.sesBare, {
    SEND_WORKERS: String(workers),
  });
  const lanes = parseConfig(stack.env).SEND_LANES;
  try {
    const mailer = new SesMailer({
      from: { name: 'Bench', address: 'news@example.org' },
      logger: createLogger(),
      clientConfig: {
        endpoint: sidecar.sesBare,
        region: 'us-east-1',
        credentials: CREDENTIALS,
        maxAttempts: 1,
      },
    });
    // The issue's floor is the AWS SDK's own client; the mailer's lean call (ses-transport.ts) is
    // a second, faster floor, reported beside it.
    const sdk = new SESClient({
      endpoint: sidecar.sesBare,
      region: 'us-east-1',
      credentials: CREDENTIALS,
      maxAttempts: 1,
    });
    const pipeline: number[] = [];
    const floor: number[] = [];
    const leanFloor: number[] = [];
    let sent = 0;
    let received = 0;
    const n = Math.floor(N / rounds);
    for (let round = 0; round < rounds; round++) {
      const prefix = `p${workers}r${round}`;
      const { deps, issueId } = await sendIssue(stack, workers, n, 'security', prefix);
      await bareCount(sidecar, true);
      const profile = await cpuProfile(`pipeline-${prefix}`);
      const t0 = performance.now();
      sent += (await drain(deps, issueId, workers)).sent;
      await profile.stop();
      pipeline.push(n / ((performance.now() - t0) / 1000));
      received += (await bareCount(sidecar)).sent;
      // The floor: the same message, n SendRawEmail calls, `lanes` of them in flight per worker.
      const message = await floorMessage(deps, issueId);
      const raw = mailer.compose(message);
      const calls = async (send: () => Promise<unknown>) => {
        let left = n;
        const t1 = performance.now();
        await Promise.all(
          Array.from({ length: workers * lanes }, async () => {
            while (left-- > 0) await send();
          }),
        );
        return n / ((performance.now() - t1) / 1000);
      };
      floor.push(
        await calls(() => sdk.send(new SendRawEmailCommand({ RawMessage: { Data: raw } }))),
      );
      leanFloor.push(await calls(() => mailer.send(message)));
    }
    const pipelineRate = median(pipeline);
    const floorRate = median(floor);
    const leanRate = median(leanFloor);
    return {
      pipelineRate,
      floorRate,
      leanRate,
      ratio: pipelineRate / floorRate,
      sent,
      received,
      lanes,
    };
  } finally {
    await stack.close();
  }
}

async function floorMessage(
  deps: Awaited<ReturnType<typeof buildDeliveryDeps>>,
  issueId: string,
): Promise<OutgoingMessage> {
  const compiled = await new MjmlIssueRenderer('templates').render(
    (await deps.issues.get(issueId))!,
    [(await deps.articles.bySlug(SLUG))!],
    deps.publication,
  );
  return {
    to: 'floor@example.com',
    subject: 'Floor',
    ...preparePersonalization(compiled)(valuesFor(0, deps.publication.baseUrl)),
  };
}

async function benchPipeline() {
  const N = QUICK ? 2_000 : 12_000;
  for (const workers of [1, 2, 4]) {
    const sidecar = await startSidecar();
    try {
      const { pipelineRate, floorRate, leanRate, ratio, sent, received, lanes } =
        await pipelineAgainstFloor(workers, N, sidecar);
      const n = Math.floor(N / rounds) * rounds;
      report(
        {
          bench: 'pipeline',
          metric: `recipients/s, ${workers} worker(s), bare SES endpoint`,
          value: pipelineRate,
          unit: 'recipients/s',
          baseline: floorRate,
          baselineUnit: `SendRawEmail/s (bare SDK, ${workers * lanes} in flight)`,
          ratio,
          target: '≥0.5 of floor',
          pass: ratio >= 0.5 && sent === n && received === n,
          details: { recipients: n, sent, received, rounds, lanes },
        },
        `${workers} worker(s) × ${lanes} lanes ${fmt(pipelineRate, 0)} recipients/s vs bare SDK ${fmt(floorRate, 0)} SendRawEmail/s (${workers * lanes} in flight)  ratio ${fmt(ratio, 2)}  (${n} recipients in ${rounds} alternated rounds; ${sent} sent, ${received} received by the endpoint)`,
      );
      report(
        {
          bench: 'pipeline',
          metric: `recipients/s, ${workers} worker(s), against the mailer's own lean SendRawEmail`,
          value: pipelineRate,
          unit: 'recipients/s',
          baseline: leanRate,
          baselineUnit: `SendRawEmail/s (the mailer, ${workers * lanes} in flight)`,
          ratio: pipelineRate / leanRate,
          target: '(reported: the strongest floor, the call the pipeline itself makes)',
          pass: null,
          details: { recipients: n, rounds, lanes },
        },
        `${workers} worker(s) ${fmt(pipelineRate, 0)} recipients/s vs the mailer's lean SendRawEmail ${fmt(leanRate, 0)}/s  ratio ${fmt(pipelineRate / leanRate, 2)}`,
      );
    } finally {
      await sidecar.close();
    }
  }
  await benchModelled();
}

/**
 * An issue against a service rate of 500/s with AWS's round trips modelled (SES 30 ms, DynamoDB
 * 5 ms): the bare endpoint reports a MaxSendRate of 500 / SEND_RATE_FRACTION, and the senders
 * pace as deployed (the sender registry, bulk borrowing the idle transactional share). One
 * worker, then the fleet (SEND_FLEET_SIZE senders at once, as the shard queue runs them),
 * alternated. Rates are end to end (sendIssueNow to the issue sent, the pace's join included) and
 * steady (the bare endpoint's first to last send). The baseline is the service rate.
 */
const CONFIGURED_RATE = 500;
async function benchModelled() {
  const n = QUICK ? 1_000 : 4_000;
  const fleet = parseConfig({ ...process.env, ...REQUIRED_SETTINGS }).SEND_FLEET_SIZE;
  const runs: Record<
    'worker' | 'fleet',
    { endToEnd: number; steady: number; cpuMs: number; emulatorsCpuMs: number }[]
  > = {
    worker: [],
    fleet: [],
  };
  for (let round = 0; round < rounds; round++)
    for (const kind of ['worker', 'fleet'] as const) {
      const fraction = parseConfig({ ...process.env, ...REQUIRED_SETTINGS }).SEND_RATE_FRACTION;
      const sidecar = await startSidecar(MODELLED_LATENCY, {
        maxSendRate: Math.round(CONFIGURED_RATE / fraction),
      });
      const stack = await stackOn(sidecar.dynamodbCounted, sidecar.sesBare, {
        SEND_RATE: undefined, // paced as deployed, from the quota
      });
      try {
        const workers = kind === 'worker' ? 1 : fleet;
        const { deps, issueId } = await sendIssue(
          stack,
          workers,
          n,
          'security',
          `m${kind}${round}`,
        );
        await bareCount(sidecar, true);
        const emulators0 = await emulatorCpuMs(sidecar);
        const cpu0 = process.cpuUsage();
        const t0 = performance.now();
        const { sent } = await drain(deps, issueId, workers);
        const seconds = (performance.now() - t0) / 1000;
        const cpu = cpuMs(cpu0);
        const emulators = (await emulatorCpuMs(sidecar)) - emulators0;
        const got = await bareCount(sidecar);
        if (sent !== n || got.sent !== n)
          throw new Error(`${kind}: sent ${sent}, received ${got.sent} of ${n}`);
        runs[kind].push({
          endToEnd: n / seconds,
          steady: (n - 1) / ((got.lastAt - got.firstAt) / 1000),
          cpuMs: cpu / n,
          emulatorsCpuMs: emulators / n,
        });
      } finally {
        await stack.close();
        await sidecar.close();
      }
    }
  for (const kind of ['worker', 'fleet'] as const) {
    const endToEnd = median(runs[kind].map((r) => r.endToEnd));
    const steady = median(runs[kind].map((r) => r.steady));
    // The emulators share this machine's cores; on AWS their work is not the sender's. What the
    // senders' own CPU allows one core: the bound a 1-vCPU Lambda would meet first.
    const cpu = median(runs[kind].map((r) => r.cpuMs));
    // The sidecar (dynalite, the latency proxy, the SES endpoint) is one process: one core at most.
    const emulators = median(runs[kind].map((r) => r.emulatorsCpuMs));
    const target = kind === 'worker' ? 250 : 0.9 * CONFIGURED_RATE;
    const who = kind === 'worker' ? '1 worker' : `the fleet (${fleet} senders)`;
    report(
      {
        bench: 'pipeline',
        metric: `recipients/s, ${who}, AWS latencies modelled, ${CONFIGURED_RATE}/s configured`,
        value: endToEnd,
        unit: 'recipients/s',
        baseline: CONFIGURED_RATE,
        baselineUnit: 'recipients/s (configured rate)',
        ratio: endToEnd / CONFIGURED_RATE,
        target: `≥${target}/s`,
        pass: endToEnd >= target,
        details: {
          recipients: n,
          rounds,
          latency: MODELLED_LATENCY,
          steady,
          cpuMsPerRecipient: cpu,
          cpuBoundPerCore: 1000 / cpu,
          emulatorsCpuMsPerRecipient: emulators,
          emulatorsBoundPerCore: 1000 / emulators,
          runs: runs[kind],
        },
      },
      `${who}, SES ${MODELLED_LATENCY.sesMs} ms, DynamoDB ${MODELLED_LATENCY.dynamodbMs} ms: ${fmt(endToEnd, 1)} recipients/s end to end (${fmt(steady, 1)}/s first to last send) vs the configured ${CONFIGURED_RATE}/s  ratio ${fmt(endToEnd / CONFIGURED_RATE, 2)}  (${n} recipients, ${rounds} alternated rounds; the senders' own CPU ${fmt(cpu, 2)} ms a recipient, ${fmt(1000 / cpu, 0)}/s a core; the emulators' ${fmt(emulators, 2)} ms, ${fmt(1000 / emulators, 0)}/s on their one core)`,
    );
  }
}

// 4. Cost per 1,000 emails -------------------------------------------------------------------------
type Counts = Record<
  string,
  {
    requests: number;
    units: number;
    indexUnits: number;
    requestBytes: number;
    responseBytes: number;
  }
>;
/** One issue of N sent by one worker on this sidecar: what it asked of DynamoDB, and its times. */
async function costRun(N: number, sidecar: Sidecar) {
  let stack: LocalStack | undefined;
  try {
    stack = await stackOn(sidecar.dynamodbCounted, sidecar.ses, { SEND_WORKERS: '1' });
    const { deps, issueId } = await sendIssue(stack, 1, N, 'economy');
    await fetch(`${sidecar.dynamodbCounted}/_bench/counts`, { method: 'DELETE' });
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const { sent, invocations } = await drain(deps, issueId, 1);
    const cpu = cpuMs(cpu0);
    const wall = performance.now() - t0;
    const counts = (await (
      await fetch(`${sidecar.dynamodbCounted}/_bench/counts`)
    ).json()) as Counts;
    return { sent, invocations, cpu, wall, counts };
  } finally {
    await stack?.close();
    await sidecar.close();
  }
}

/** The account the cost is quoted for: SES's default production quota. */
const COST_ACCOUNT_RATE = 14;
const SENDER_MEMORY_GB = 1; // infra/functions.ts: the sending workers' 1024 MB

async function benchCost() {
  const N = QUICK ? 500 : 2_000;
  // DynamoDB: every request's units, and every index write's, metered around each write.
  const metered = await costRun(N, await startSidecar({}, { countIndexes: true }));
  // Lambda bills duration, not CPU: the worker's wall time with AWS's round trips modelled, or,
  // on an account slower than that, the pace, since a paced worker waits while it is billed.
  const timed = await costRun(N, await startSidecar(MODELLED_LATENCY));
  const { counts, sent } = metered;
  const writeOps = ['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem'];
  const readOps = ['GetItem', 'Query', 'Scan', 'BatchGetItem'];
  const sum = (ops: string[], k: 'units' | 'requests' | 'indexUnits') =>
    ops.reduce((s, op) => s + (counts[op]?.[k] ?? 0), 0);
  const tableWru = sum(writeOps, 'units');
  const indexWru = sum(writeOps, 'indexUnits');
  const wru = tableWru + indexWru;
  const rru = sum(readOps, 'units');
  const per1000 = 1000 / N;
  const dynamo =
    ((wru * PRICES.dynamoWriteRequestUnitPerMillion +
      rru * PRICES.dynamoReadRequestUnitPerMillion) /
      1e6) *
    per1000;
  const bulkRate = splitRate(0, {
    rateFraction: parseConfig({ ...process.env, ...REQUIRED_SETTINGS }).SEND_RATE_FRACTION,
    workers: 1,
    fixedRate:
      COST_ACCOUNT_RATE * parseConfig({ ...process.env, ...REQUIRED_SETTINGS }).SEND_RATE_FRACTION,
  }).bulk;
  const wallSPerRecipient = timed.wall / 1000 / N;
  const billedS = Math.max(wallSPerRecipient, 1 / bulkRate) * 1000; // per 1,000 emails
  const lambdaFor = (seconds: number, invocations: number) =>
    seconds * SENDER_MEMORY_GB * PRICES.lambdaArmGbSecond +
    (invocations * per1000 * PRICES.lambdaRequestPerMillion) / 1e6;
  const lambda = lambdaFor(billedS, timed.invocations);
  const lambdaUnpaced = lambdaFor(wallSPerRecipient * 1000, timed.invocations);
  const lambdaOnCpu = lambdaFor(metered.cpu / N, metered.invocations);
  const ses = PRICES.sesPerThousand;
  const share = (dynamo + lambda) / ses;
  report(
    {
      bench: 'cost',
      metric: 'DynamoDB + Lambda per 1,000 emails',
      value: dynamo + lambda,
      unit: 'USD',
      baseline: ses,
      baselineUnit: 'USD (SES per 1,000)',
      ratio: share,
      target: '<5 % of SES',
      pass: share < 0.05 && sent === N && timed.sent === N,
      details: {
        recipients: N,
        sent,
        wruPerRecipient: wru / N,
        tableWruPerRecipient: tableWru / N,
        indexWruPerRecipient: indexWru / N,
        rruPerRecipient: rru / N,
        dynamoUsd: dynamo,
        lambdaUsd: lambda,
        lambdaUsdUnpaced: lambdaUnpaced,
        lambdaUsdIfBilledOnCpu: lambdaOnCpu,
        accountRate: COST_ACCOUNT_RATE,
        bulkRate,
        wallMsPerRecipientModelled: wallSPerRecipient * 1000,
        cpuMsPerRecipient: metered.cpu / N,
        latency: MODELLED_LATENCY,
        requests: counts,
        prices: PRICES,
      },
    },
    `per 1,000 emails: DynamoDB $${fmt(dynamo, 5)} (${fmt(tableWru / N, 2)} WRU + ${fmt(indexWru / N, 2)} index WRU + ${fmt(rru / N, 2)} RRU per recipient) + Lambda $${fmt(lambda, 5)} (billed ${fmt(billedS, 0)} s at 1 GB: the pace of a ${COST_ACCOUNT_RATE}/s account while transactional mail sends, bulk ${fmt(bulkRate, 1)}/s: the slowest it goes; unpaced, ${fmt(wallSPerRecipient * 1000, 1)} ms a recipient with AWS's latencies modelled, $${fmt(lambdaUnpaced, 5)}) vs SES $${ses.toFixed(2)}  = ${fmt(share * 100, 2)} %`,
  );
  console.log(
    `${''.padEnd(14)}prices: AWS on-demand, ${PRICES.region}, as of ${PRICES.date}: DynamoDB $${PRICES.dynamoWriteRequestUnitPerMillion}/M WRU, $${PRICES.dynamoReadRequestUnitPerMillion}/M RRU; Lambda arm64 $${PRICES.lambdaArmGbSecond}/GB-s, $${PRICES.lambdaRequestPerMillion}/M requests; SES $${PRICES.sesPerThousand}/1,000. Left out: the tick's and the registry's own calls between sends, CloudWatch Logs, data transfer. Billed on CPU instead, Lambda would be $${fmt(lambdaOnCpu, 5)}.`,
  );
}

// 5. Signup API ------------------------------------------------------------------------------------
/** One load run from its own process (tests/bench/cannon.ts): see there why not this one. */
async function cannon(url: string, seconds: number, prefix: string, connections = 10) {
  const options: CannonOptions = { url, seconds, prefix, connections };
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'tests/bench/cannon.ts', JSON.stringify(options)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const out: Buffer[] = [];
  child.stdout!.on('data', (c: Buffer) => out.push(c));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`bench load generator exited (${code})`);
  return JSON.parse(Buffer.concat(out).toString()) as Cannon;
}

/**
 * With `BENCH_CPU_PROFILE=<dir>`, a V8 CPU profile of this process over one load run (open it in
 * Chrome's DevTools): where a signup's server CPU goes, without the start-up's module loading.
 */
async function cpuProfile(name: string) {
  const dir = process.env.BENCH_CPU_PROFILE;
  if (!dir) return { stop: async () => {} };
  const { Session } = await import('node:inspector/promises');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return {
    stop: async () => {
      const { profile } = await session.post('Profiler.stop');
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, `${name}.cpuprofile`), JSON.stringify(profile));
      session.disconnect();
    },
  };
}

async function benchSignup() {
  const seconds = QUICK ? 3 : 10;
  const sidecar = await startSidecar();
  let stack: LocalStack | undefined;
  const bare = new Hono();
  // Two bare routes: the issue's baseline, a Hono route with the AWS SDK's document client as any
  // app would write it, and the same route on the lean client the app uses (lean-client.ts), so
  // what the client saves and what the app still costs are both in view.
  const sdkClient = DynamoDBDocumentClient.from(new DynamoDBClient({}));
  const leanClient = createDocumentClient();
  let server: ReturnType<typeof serve> | undefined;
  try {
    // Every request comes from 127.0.0.1: the per-IP signup limit is off for this (issue 13's
    // terms); the per-address one is off as deployed (docs/security.md). No outbox sender here:
    // on AWS it is another function (the table stream's), and here it would take the signups'
    // CPU; the burst below measures it.
    stack = await stackOn(
      sidecar.dynamodb,
      sidecar.ses,
      { LOCAL_SES_MAX_SEND_RATE: '1000000', SIGNUP_LIMIT_PER_IP_PER_HOUR: '0' },
      { outbox: false },
    );
    const table = process.env.TABLE_NAME!;
    const put = (client: DynamoDBDocumentClient) => async (c: Context) => {
      const body = await c.req.json<{ email: string }>();
      await client.send(
        new PutCommand({
          TableName: table,
          Item: {
            [tableKeys.partitionKey]: `BENCH#${body.email}`,
            [tableKeys.sortKey]: 'BENCH',
            email: body.email,
          },
        }),
      );
      return c.json({ ok: true }, 202);
    };
    bare.post('/put', put(sdkClient));
    bare.post('/put-lean', put(leanClient));
    server = serve({ fetch: bare.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise((r) => setTimeout(r, 100));
    const port = (server.address() as import('node:net').AddressInfo).port;
    const connections = 20;
    await cannon(`http://127.0.0.1:${port}/put`, 1, 'warm', connections); // warm-up all three
    await cannon(`http://127.0.0.1:${port}/put-lean`, 1, 'warmlean', connections);
    await cannon(`${stack.appUrl}/api/subscribe`, 1, 'warmsignup', connections);
    // Alternated rounds, so the machine's drift lands on both alike; figures are the rounds' medians.
    // This process holds only the two servers (the load comes from another), so its CPU over a
    // round, per answered request, is what a request costs the server.
    const rounds = 3;
    const bareRuns: Cannon[] = [];
    const leanRuns: Cannon[] = [];
    const signupRuns: Cannon[] = [];
    const cpuPer = { bare: [] as number[], lean: [] as number[], signup: [] as number[] };
    const measured = async (side: 'bare' | 'lean' | 'signup', url: string, prefix: string) => {
      const profile = await cpuProfile(`${side}-${prefix}`);
      const cpu0 = process.cpuUsage();
      const run = await cannon(url, seconds / rounds, prefix, connections);
      cpuPer[side].push(cpuMs(cpu0) / Math.max(1, run.ok + run.non2xx));
      await profile.stop();
      return run;
    };
    for (let round = 0; round < rounds; round++) {
      bareRuns.push(await measured('bare', `http://127.0.0.1:${port}/put`, `bare${round}`));
      leanRuns.push(await measured('lean', `http://127.0.0.1:${port}/put-lean`, `lean${round}`));
      signupRuns.push(await measured('signup', `${stack.appUrl}/api/subscribe`, `signup${round}`));
    }
    const cpuBare = median(cpuPer.bare);
    const cpuSignup = median(cpuPer.signup);
    const merge = (runs: Cannon[]): Cannon => ({
      rps: median(runs.map((r) => r.rps)),
      p50: median(runs.map((r) => r.p50)),
      p99: Math.max(...runs.map((r) => r.p99)),
      non2xx: runs.reduce((n, r) => n + r.non2xx, 0),
      ok: runs.reduce((n, r) => n + r.ok, 0),
      errors: runs.reduce((n, r) => n + r.errors, 0),
      emails: runs.flatMap((r) => r.emails),
    });
    const baseline = merge(bareRuns);
    const leanBaseline = merge(leanRuns);
    const cpuLean = median(cpuPer.lean);
    const signup = merge(signupRuns);
    const missing: string[] = [];
    for (const email of signup.emails)
      if (!(await stack.deps.subscribers.get(subscriberIdFor(email)))) missing.push(email);
    const ratio = signup.rps / baseline.rps;
    report(
      {
        bench: 'signup',
        metric: 'POST /api/subscribe req/s',
        value: signup.rps,
        unit: 'req/s',
        baseline: baseline.rps,
        baselineUnit: 'req/s (bare Hono + one PutItem)',
        ratio,
        target: '≥0.5 of baseline, p99 ≤50 ms, 0 non-2xx',
        pass:
          ratio >= 0.5 &&
          signup.p99 <= 50 &&
          signup.non2xx === 0 &&
          signup.errors === 0 &&
          missing.length === 0 &&
          signup.ok > 0,
        details: {
          seconds,
          rounds,
          connections,
          signup: { ...signup, emails: undefined },
          baseline: { ...baseline, emails: undefined },
          stored: signup.emails.length - missing.length,
          missing: missing.slice(0, 10),
          cpuMsPerRequest: { signup: cpuSignup, bare: cpuBare, bareLean: cpuLean },
        },
      },
      `${fmt(signup.rps, 0)} req/s p50 ${signup.p50} ms p99 ${signup.p99} ms vs bare PutItem (AWS SDK) ${fmt(baseline.rps, 0)} req/s p50 ${baseline.p50} ms p99 ${baseline.p99} ms  ratio ${fmt(ratio, 2)}  (${connections} connections, ${rounds} alternated rounds; ${signup.ok} 2xx, ${signup.non2xx} other, ${signup.errors} errors; ${signup.emails.length - missing.length}/${signup.emails.length} 2xx signups in the table); server CPU per request ${fmt(cpuSignup, 2)} ms vs bare ${fmt(cpuBare, 2)} ms`,
    );
    const leanRatio = signup.rps / leanBaseline.rps;
    report(
      {
        bench: 'signup',
        metric: 'POST /api/subscribe req/s, against the bare route on the lean client',
        value: signup.rps,
        unit: 'req/s',
        baseline: leanBaseline.rps,
        baselineUnit: 'req/s (bare Hono + one PutItem, lean client)',
        ratio: leanRatio,
        target: '(reported: the strongest baseline, the client the app itself uses)',
        pass: null,
        details: { baseline: { ...leanBaseline, emails: undefined }, cpuMsPerRequest: cpuLean },
      },
      `${fmt(signup.rps, 0)} req/s vs bare PutItem (lean client) ${fmt(leanBaseline.rps, 0)} req/s p50 ${leanBaseline.p50} ms p99 ${leanBaseline.p99} ms  ratio ${fmt(leanRatio, 2)}; server CPU per request ${fmt(cpuSignup, 2)} ms vs ${fmt(cpuLean, 2)} ms`,
    );
  } finally {
    if (server)
      await new Promise<void>((r) => (server as import('node:http').Server).close(() => r()));
    await stack?.close();
    await sidecar.close();
  }
}

/** The outbox's burst at SES's default 14/s: its drain rate next to its share of the rate. */
async function benchBurst() {
  const signups = QUICK ? 30 : 200;
  const burst = await outboxBurst(signups);
  const ratio = burst.rate / burst.share;
  report(
    {
      bench: 'burst',
      metric: 'outbox drain rate',
      value: burst.rate,
      unit: 'emails/s',
      baseline: burst.share,
      baselineUnit: 'emails/s (the transactional share of 14/s)',
      ratio,
      target: `≥0.9 of the share, ${signups}+${signups} each exactly once, 0 non-2xx`,
      pass:
        ratio >= 0.9 &&
        burst.confirmations === signups &&
        burst.welcomes === signups &&
        burst.duplicates === 0 &&
        burst.non2xx === 0,
      details: burst,
    },
    `${signups} signups + ${signups} confirmations: ${burst.confirmations} confirmations, ${burst.welcomes} welcomes, ${burst.duplicates} duplicates, ${burst.non2xx} non-2xx; last email after ${fmt(burst.seconds, 1)} s = ${fmt(burst.rate, 2)} emails/s vs its share ${fmt(burst.share, 2)}/s  ratio ${fmt(ratio, 2)}`,
  );
}

// 6. Cold start ------------------------------------------------------------------------------------
const KB = 1024;
const BENCH_TABLE = 'dispatch-bench-lambda';
const BENCH_BASE_URL = 'https://abc123.execute-api.us-east-1.amazonaws.com';
const CONFIGURATION_SET = 'dispatch-production-EmailConfig';

/**
 * A function's environment: exactly the variables infra/functions.ts gives it, with the values
 * infra/function-args.ts would (component outputs and deploy settings replaced by local values;
 * sst.config.ts is not evaluated here, its stand-ins need vitest), plus what Lambda sets.
 */
function lambdaEnvironment(
  definition: Pick<FunctionDefinition, 'environment'>,
  secret: string,
  endpoints: { dynamodb: string; ses: string },
): Record<string, string> {
  // The default deployment: no DISPATCH_TURNSTILE_SITE_KEY, so neither Turnstile variable is set.
  const values: Record<DeployedVariable, string | undefined> = {
    TABLE_NAME: BENCH_TABLE,
    BASE_URL: BENCH_BASE_URL,
    SIGNING_SECRET: secret,
    SUPPRESSION_SECRET: `${secret}-suppression`,
    PUBLICATION_NAME: 'The Regional Dispatch',
    FROM_ADDRESS: 'newsletter@news.example.com',
    FROM_NAME: 'The Regional Dispatch',
    REPLY_TO: 'editors@news.example.com',
    POSTAL_ADDRESS: '1 Example Street, 10000 Example City',
    LIST_ID: 'newsletter.news.example.com',
    SES_CONFIGURATION_SET: CONFIGURATION_SET,
    CONTENT_DIR: packagedFolders.content,
    TEMPLATES_DIR: packagedFolders.templates,
    SEND_WORKERS: String(sendWorkers),
    // The default deployment leaves the rate split to the code's defaults.
    SEND_RATE_FRACTION: undefined,
    TRANSACTIONAL_RATE_SHARE: undefined,
    // The bench measures one worker without the fleet: the tick sends alone.
    SHARD_QUEUE_URL: undefined,
    TURNSTILE_SITE_KEY: undefined,
    TURNSTILE_SECRET_KEY: undefined,
    DAILY_DIGEST_SCHEDULE: scheduleDefinitions.dailyDigest.expression,
    WEEKLY_DIGEST_SCHEDULE: scheduleDefinitions.weeklyDigest.expression,
    // The benchmarked functions (the API, the tick) touch no files.
    BLOB_BUCKET: undefined,
    JOBS_FUNCTION_NAME: undefined,
  };
  return {
    ...Object.fromEntries(
      definition.environment.flatMap((key) =>
        values[key] === undefined ? [] : [[key, values[key]]],
      ),
    ),
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
    AWS_ENDPOINT_URL_SES: endpoints.ses,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

/** Wall time from spawning a fresh `node` to the first invocation's answer. */
async function coldStart(
  pkg: LambdaPackage,
  env: Record<string, string>,
  event: () => unknown,
  check: (result: unknown) => void,
) {
  const t0 = performance.now();
  const lambda = await startLambda(pkg, env);
  try {
    const result = await lambda.invoke(event());
    const ms = performance.now() - t0;
    check(result);
    return ms;
  } finally {
    await lambda.close();
  }
}

async function benchColdStart() {
  const RUNS = QUICK ? 2 : 5;
  const workDir = await mkdtemp(join(tmpdir(), 'dispatch-bench-bundles-'));
  const sidecar = await startSidecar();
  try {
    await ensureTable(
      createDocumentClient({
        endpoint: sidecar.dynamodb,
        region: 'us-east-1',
        credentials: CREDENTIALS,
      }),
      BENCH_TABLE,
    );
    const endpoints = { dynamodb: sidecar.dynamodb, ses: sidecar.ses };
    const secret = randomBytes(32).toString('base64url');
    const ok = (name: string) => (result: unknown) => {
      const status = (result as HttpResponse | null)?.statusCode;
      if (status !== undefined && status >= 400) throw new Error(`${name} answered ${status}`);
    };
    const httpGet = () => httpEvent('GET', `${BENCH_BASE_URL}/`);
    const feedGet = () => httpEvent('GET', `${BENCH_BASE_URL}/feed.xml`);
    const signupEvent = () =>
      httpEvent('POST', `${BENCH_BASE_URL}/api/subscribe`, {
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          email: `cold.${randomUUID().slice(0, 8)}@example.com`,
          topics: ['security'],
          frequency: 'weekly',
        }),
      });

    // The baseline: bare Hono + one GetItem, bundled and packaged the same way. Its runs alternate
    // with each function's, so a change in the machine's load moves both sides alike.
    const baselineDefinition = {
      handler: 'tests/bench/baseline-lambda.handler',
      copyFiles: [],
      timeout: '30 seconds',
    } as unknown as FunctionDefinition;
    const baselinePkg = await buildLambdaPackage('baseline', baselineDefinition, workDir);
    const baselineEnv = lambdaEnvironment({ environment: ['TABLE_NAME'] }, secret, endpoints);
    await coldStart(baselinePkg, baselineEnv, httpGet, ok('baseline')); // warm the file cache
    const allBaselineRuns: number[] = [];
    const reputationAlarm = reputationAlarmNames({
      name: 'dispatch',
      stage: 'production',
    }).bounceRate;

    for (const [name, definition] of Object.entries(functionDefinitions)) {
      const pkg = await buildLambdaPackage(name, definition, workDir);
      const env = lambdaEnvironment(definition, secret, endpoints);
      // What each function is woken by: its real event, doing the least real work it does.
      const { event, eventName } = ((): { event: () => unknown; eventName: string } => {
        switch (definition.trigger.kind) {
          case 'schedule':
            return {
              event: () => scheduledEvent(`dispatch-production-${name}`),
              eventName: 'EventBridge scheduled',
            };
          case 'ses-events':
            return {
              event: () =>
                sesBounceEvent({
                  messageId: `0100018c-${randomUUID()}-000000`,
                  recipient: `bounce-${randomUUID().slice(0, 8)}@example.com`,
                  configurationSet: CONFIGURATION_SET,
                  from: 'newsletter@news.example.com',
                }),
              eventName: 'SES bounce',
            };
          case 'dynamodb-stream': // the outbox woken with nothing to send: its start, not SES's pace
            return { event: () => dynamodbStreamEvent([]), eventName: 'stream batch (empty)' };
          case 'sqs': // a shard of an issue that does not exist: the sender's start and one read
            return {
              event: () =>
                sqsEvent({
                  messageId: randomUUID(),
                  body: JSON.stringify({ issueId: `bench-${randomUUID()}`, shard: 0 }),
                  receiveCount: 1,
                }),
              eventName: 'SQS shard message',
            };
          case 'alarm-state-change': // an alarm back to OK: read, nothing to pause
            return {
              event: () => alarmStateChangeEvent(reputationAlarm, 'OK'),
              eventName: 'alarm state change (OK)',
            };
          default:
            if (name === 'api') return { event: signupEvent, eventName: 'POST /api/subscribe' };
            if (name === 'feeds') return { event: feedGet, eventName: 'GET /feed.xml' };
            return { event: httpGet, eventName: 'GET /' };
        }
      })();
      await coldStart(pkg, env, event, ok(name)); // warm the file cache
      const runs: number[] = [];
      const baselineRuns: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        baselineRuns.push(await coldStart(baselinePkg, baselineEnv, httpGet, ok('baseline')));
        runs.push(await coldStart(pkg, env, event, ok(name)));
      }
      allBaselineRuns.push(...baselineRuns);
      const ms = median(runs);
      const baselineMs = median(baselineRuns);
      const ratio = ms / baselineMs;
      const isMjml = (input: string) => /node_modules\/mjml/.test(input);
      const mjmlBundled = Object.keys(pkg.metafile.inputs).filter(isMjml).length;
      // What the first event pays for: MJML is imported at the first render, not at start.
      const mjml = [...modulesAtStart(pkg)].filter(isMjml).length;
      const isApi = name === 'api';
      report(
        {
          bench: 'coldstart',
          metric: `${name} cold start`,
          value: ms,
          unit: 'ms',
          baseline: baselineMs,
          baselineUnit: 'ms (bare Hono + GetItem)',
          ratio,
          target: isApi ? '≤1.3x baseline, no mjml' : "(reported; the target is the API's)",
          pass: isApi ? ratio <= 1.3 && mjmlBundled === 0 : null,
          details: {
            bytes: pkg.bytes,
            bytesAtStart: pkg.bytesAtStart,
            baselineBytes: baselinePkg.bytes,
            runsMs: runs,
            baselineRunsMs: baselineRuns,
            event: eventName,
            mjmlInputs: mjmlBundled,
            mjmlInputsAtStart: mjml,
          },
        },
        `${name.padEnd(14)} ${fmt(pkg.bytes / KB, 1).padStart(7)} KB (${fmt(pkg.bytesAtStart / KB, 1)} KB at start)  ${eventName} in ${fmtTime(ms)} vs baseline ${fmtTime(baselineMs)} (${fmt(baselinePkg.bytes / KB, 1)} KB)  ratio ${fmt(ratio, 2)}  mjml modules ${mjml} at start (${mjmlBundled} bundled)  (runs ${runs.map((r) => fmt(r, 0)).join(', ')} ms; baseline's alongside ${baselineRuns.map((r) => fmt(r, 0)).join(', ')} ms)`,
      );
    }
    report(
      {
        bench: 'coldstart',
        metric: 'baseline bundle (bare Hono + GetItem)',
        value: median(allBaselineRuns),
        unit: 'ms',
        target: '(the baseline)',
        pass: null,
        details: { bytes: baselinePkg.bytes, runsMs: allBaselineRuns },
      },
      `baseline       ${fmt(baselinePkg.bytes / KB, 1).padStart(7)} KB  first event in ${fmtTime(median(allBaselineRuns))} (median of all ${allBaselineRuns.length} runs, alongside the functions above)`,
    );
  } finally {
    await sidecar.close();
    await rm(workDir, { recursive: true, force: true });
  }
}

// 7. Scale -----------------------------------------------------------------------------------------
const SCALE_TABLE = 'dispatch-bench-scale';
/** Two workers in the send's process: one waits on DynamoDB while the other composes. */
const SCALE_WORKERS = 2;

/**
 * Subscribers written straight to the table as DynamoSubscriberRepository writes them, 25 per
 * BatchWriteItem, 16 calls at once: seeding is not what is measured, and one create per reader
 * (conditional put, counters) would take longer than the send.
 */
async function seedDirect(
  dynamodb: string,
  table: string,
  count: number,
  options: { prefix: string; topic: string },
) {
  const client = createDocumentClient({
    endpoint: dynamodb,
    region: 'us-east-1',
    credentials: CREDENTIALS,
  });
  await ensureTable(client, table);
  const item = (i: number) => {
    const s = aSubscriber({
      topics: [options.topic],
      frequency: 'weekly',
      email: `${options.prefix}.${i}@example.com`,
    });
    return {
      PK: `SUBSCRIBER#${s.id}`,
      SK: 'PROFILE',
      GSI1PK: `RECIPIENTS#${recipientShardOf(s.id)}`,
      GSI1SK: s.id,
      entity: 'subscriber',
      ...s,
    };
  };
  let next = 0;
  const writeBatch = async (start: number, end: number) => {
    let requests = Array.from({ length: end - start }, (_, k) => ({
      PutRequest: { Item: item(start + k) },
    }));
    while (requests.length) {
      const { UnprocessedItems } = await client.send(
        new BatchWriteCommand({ RequestItems: { [table]: requests } }),
      );
      requests = (UnprocessedItems?.[table] ?? []) as typeof requests;
    }
  };
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < count) {
        const start = next;
        next = Math.min(count, next + 25);
        await writeBatch(start, next);
      }
    }),
  );
  client.destroy();
}

type ScaleRun = {
  heapAtStart: number;
  heapAtEnd: number;
  seconds: number;
  sent: number;
  /** The sends the bare SES endpoint received. */
  accepted: number;
  invocations: number;
  state: string;
  rssAtStart: number;
  peakRss: number;
  maxRssKb: number;
  cpuUserMs: number;
  cpuSystemMs: number;
  seedSeconds: number;
};
async function scaleRun(count: number): Promise<ScaleRun> {
  const sidecar = await startSidecar();
  try {
    const t = performance.now();
    await seedDirect(sidecar.dynamodb, SCALE_TABLE, count, { prefix: 'scale', topic: 'security' });
    const seedSeconds = (performance.now() - t) / 1000;
    const child = spawn(
      process.execPath,
      ['--expose-gc', '--import', 'tsx', 'tests/bench/scale-send.ts'],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
        env: {
          ...process.env,
          BASE_URL: undefined,
          AWS_ENDPOINT_URL_DYNAMODB: sidecar.dynamodb,
          AWS_ENDPOINT_URL_SES: sidecar.sesBare,
          BENCH_SES_BARE: sidecar.sesBare,
          TABLE_NAME: SCALE_TABLE,
          SEND_RATE: '100000',
          SEND_WORKERS: String(SCALE_WORKERS),
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
    if (code !== 0 || !line)
      throw new Error(`scale send of ${count} exited (${code}):\n${out.slice(-2000)}`);
    return { ...(JSON.parse(line) as Omit<ScaleRun, 'seedSeconds'>), seedSeconds };
  } finally {
    await sidecar.close();
  }
}

async function benchScale() {
  const [small, large] = QUICK ? [2_000, 10_000] : [10_000, SCALE_LARGE];
  const MB = 1024 * 1024;
  const a = await scaleRun(small);
  console.log(
    `${'scale'.padEnd(14)}${fmt(small, 0)} recipients: ${fmt(a.seconds, 1)} s (${fmt(small / a.seconds, 0)}/s, ${a.sent} sent, ${a.accepted} received by SES, ${a.invocations} worker run(s)), peak RSS ${fmt(a.peakRss / MB, 0)} MB (maxRSS ${fmt(a.maxRssKb / 1024, 0)} MB); seeded in ${fmt(a.seedSeconds, 1)} s`,
  );
  const b = await scaleRun(large);
  console.log(
    `${'scale'.padEnd(14)}${fmt(large, 0)} recipients: ${fmt(b.seconds, 1)} s (${fmt(large / b.seconds, 0)}/s, ${b.sent} sent, ${b.accepted} received by SES, ${b.invocations} worker run(s)), peak RSS ${fmt(b.peakRss / MB, 0)} MB (maxRSS ${fmt(b.maxRssKb / 1024, 0)} MB); seeded in ${fmt(b.seedSeconds, 1)} s`,
  );
  const factor = large / small;
  const timeRatio = b.seconds / a.seconds;
  const allSent =
    a.sent === small &&
    b.sent === large &&
    a.accepted === small && // what the SES endpoint received, over the real SDK
    b.accepted === large &&
    a.state === 'sent' &&
    b.state === 'sent';
  report(
    {
      bench: 'scale',
      metric: `time ${large} / ${small}`,
      value: timeRatio,
      unit: 'x',
      baseline: factor,
      baselineUnit: 'x (recipients ratio)',
      ratio: timeRatio / factor,
      target: `${factor}x ± 20 %`,
      pass: Math.abs(timeRatio / factor - 1) <= 0.2 && allSent,
      details: { small: { recipients: small, ...a }, large: { recipients: large, ...b } },
    },
    `time ${fmt(large, 0)} / ${fmt(small, 0)} = ${fmt(b.seconds, 1)} s / ${fmt(a.seconds, 1)} s = ${fmt(timeRatio, 2)}x vs ${factor}x recipients  (${fmt((timeRatio / factor) * 100 - 100, 1)} %)`,
  );
  console.log(
    `${'scale'.padEnd(14)}live heap after a full GC: ${fmt(a.heapAtStart / MB, 1)} → ${fmt(a.heapAtEnd / MB, 1)} MB at ${fmt(small, 0)}, ${fmt(b.heapAtStart / MB, 1)} → ${fmt(b.heapAtEnd / MB, 1)} MB at ${fmt(large, 0)} (what the send keeps alive; peak RSS also counts garbage V8 has not collected yet)`,
  );
  const memRatio = b.peakRss / a.peakRss;
  report(
    {
      bench: 'scale',
      metric: `peak RSS ${large} / ${small}`,
      value: b.peakRss,
      unit: 'bytes',
      baseline: a.peakRss,
      baselineUnit: `bytes (peak RSS at ${small})`,
      ratio: memRatio,
      target: 'within 20 %',
      pass: Math.abs(memRatio - 1) <= 0.2,
      details: { maxRssKbSmall: a.maxRssKb, maxRssKbLarge: b.maxRssKb },
    },
    `peak RSS ${fmt(b.peakRss / MB, 0)} MB at ${fmt(large, 0)} vs ${fmt(a.peakRss / MB, 0)} MB at ${fmt(small, 0)}  ratio ${fmt(memRatio, 2)}  (maxRSS ${fmt(b.maxRssKb / 1024, 0)} vs ${fmt(a.maxRssKb / 1024, 0)} MB)`,
  );
}

// ----------------------------------------------------------------------------------------------------
const started = new Date();
const machine = {
  nproc: cpus().length,
  cpu: cpus()[0]?.model,
  node: process.version,
  platform: `${process.platform} ${process.arch}`,
};
const loadAtStart = loadavg();
console.log(
  `bench ${QUICK ? '--quick' : '(full)'}  ${machine.nproc} cores (${machine.cpu}), node ${machine.node}, load average ${loadAtStart.map((l) => l.toFixed(2)).join(' ')} (other work on this machine skews every figure)`,
);
const benches: [string, () => Promise<void>][] = [
  ['render', benchRender],
  ['pacing', benchPacing],
  ['pipeline', benchPipeline],
  ['cost', benchCost],
  ['signup', benchSignup],
  ['burst', benchBurst],
  ['coldstart', benchColdStart],
  ['scale', benchScale],
  ['export', () => benchExports(QUICK, report)],
  ['sendnow', () => benchSendNow({ quick: QUICK, startSidecar, report })],
  ['import', () => benchImports(report, QUICK)],
];
const failures: Record<string, string> = {};
const durations: Record<string, number> = {};
for (const [name, run] of benches) {
  if (!want(name)) continue;
  const t = performance.now();
  try {
    await run();
  } catch (error) {
    failures[name] = (error as Error).stack ?? String(error);
    console.log(`${name.padEnd(14)}ERROR ${(error as Error).message}`);
    if (process.env.BENCH_DEBUG) console.log((error as Error).stack);
  }
  durations[name] = Math.round((performance.now() - t) / 1000);
}
const finished = new Date();
const out = {
  started: started.toISOString(),
  finished: finished.toISOString(),
  seconds: (finished.getTime() - started.getTime()) / 1000,
  quick: QUICK,
  only: ONLY,
  machine,
  loadAverage: { start: loadAtStart, end: loadavg() },
  durationsSeconds: durations,
  prices: PRICES,
  results,
  failures,
};
await mkdir('tests/bench/results', { recursive: true });
const file = join(
  'tests/bench/results',
  `${started.toISOString().replace(/:/g, '-')}${QUICK ? '-quick' : ''}.json`,
);
await writeFile(file, `${JSON.stringify(out, null, 2)}\n`);
const short = results.filter((r) => r.pass === false).length;
const info = results.filter((r) => r.pass === null).length;
console.log(
  `\n${results.length} figures, ${results.length - short - info} PASS, ${short} SHORT, ${info} INFO${Object.keys(failures).length ? `, ${Object.keys(failures).length} benchmark(s) failed to run` : ''}; ${fmt(out.seconds, 0)} s (${Object.entries(
    durations,
  )
    .map(([n, d]) => `${n} ${d} s`)
    .join(
      ', ',
    )}); load average at the end ${out.loadAverage.end.map((l) => l.toFixed(2)).join(' ')}; results in ${file}`,
);
process.exit(Object.keys(failures).length ? 1 : 0);
