/**
 * One send for the scale benchmark (bench 7), in its own process so its memory is its own: the
 * subscribers are already in the table (TABLE_NAME, seeded by run.ts); this creates the article
 * issue, sends it now and runs one worker until the issue is sent, sampling
 * process.memoryUsage().rss every 100 ms. Prints one JSON line with the figures.
 *
 * SES is the real mailer (the SDK's SendRawEmail, over HTTP) against the bare SES endpoint in the
 * sidecar (bare-ses.ts, BENCH_SES_BARE), which answers and counts and nothing else: what is
 * measured is how the pipeline, the SDK and DynamoDB behave as the audience grows, not SES.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MjmlIssueRenderer } from '../../functions/adapters/mjml/mjml-renderer.js';
import { buildDeliveryDeps, parseConfig } from '../../functions/config.js';
import { runWorker } from '../../functions/core/delivery/worker.js';
import {
  createArticleIssue,
  issueReport,
  sendIssueNow,
} from '../../functions/core/issues/manage-issues.js';
import { startLocalStack } from '../../local/stack.js';

const SLUG = 'nato-western-balkans-stability';
const stack = await startLocalStack({
  env: {
    ...process.env,
    DATA_DIR: await mkdtemp(join(tmpdir(), 'dispatch-bench-scale-')),
    PORT: '0',
    S3_PORT: '0',
  },
  persist: false,
  schedules: false,
});
const deps = await buildDeliveryDeps(parseConfig(process.env), new MjmlIssueRenderer('templates'));
const bare = process.env.BENCH_SES_BARE!;
const counted = async () =>
  (await (await fetch(`${bare}/_bench/sent`)).json()) as { sent: number; bytes: number };
const issue = await createArticleIssue(deps, { article: SLUG, topics: ['security'] });
await sendIssueNow(deps, issue.id);
// Load MJML and warm the compiler before the clock starts: a process's first render costs a
// second or two whatever the audience, and the question here is how the send grows with it.
const article = (await deps.articles.bySlug(SLUG))!;
await deps.renderer.render((await deps.issues.get(issue.id))!, [article], deps.publication);

global.gc?.();
const heapAtStart = process.memoryUsage().heapUsed;
const rssAtStart = process.memoryUsage().rss;
let peakRss = rssAtStart;
const samples: number[] = [];
const sampler = setInterval(() => {
  const rss = process.memoryUsage().rss;
  samples.push(rss);
  if (rss > peakRss) peakRss = rss;
}, 100);
const t0 = performance.now();
let sent = 0;
let invocations = 0;
let state = '';
// Workers side by side in this process, as overlapping ticks would run them (SEND_WORKERS).
const workers = Number(process.env.SEND_WORKERS ?? 1);
for (let round = 0; round < 50; round++) {
  const runs = await Promise.all(
    Array.from({ length: workers }, (_, n) =>
      runWorker(deps, { issueId: issue.id, workerId: `scale-${round}-${n}` }),
    ),
  );
  invocations += workers;
  sent += runs.reduce((sum, run) => sum + run.sent, 0);
  state = (await issueReport(deps, issue.id)).issue.state;
  if (state === 'sent') break;
}
const seconds = (performance.now() - t0) / 1000;
clearInterval(sampler);
peakRss = Math.max(peakRss, process.memoryUsage().rss);
const usage = process.resourceUsage();
global.gc?.();
const heapAtEnd = process.memoryUsage().heapUsed; // after a full GC: what the send kept alive
const { sent: accepted, bytes } = await counted(); // what the endpoint received
await stack.close();
console.log(
  JSON.stringify({
    seconds,
    sent,
    accepted,
    mimeBytes: bytes,
    invocations,
    state,
    heapAtStart,
    heapAtEnd,
    rssAtStart,
    peakRss,
    maxRssKb: usage.maxRSS,
    cpuUserMs: usage.userCPUTime / 1000,
    cpuSystemMs: usage.systemCPUTime / 1000,
    samples: samples.length,
  }),
);
process.exit(0);
