/**
 * One send for the scale benchmark (bench 7), in its own process so its memory is its own: the
 * subscribers are already in the table (TABLE_NAME, seeded by run.ts); this creates the article
 * issue, sends it now and runs one worker until the issue is sent, sampling
 * process.memoryUsage().rss every 100 ms. Prints one JSON line with the figures.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MjmlIssueRenderer } from '../../functions/adapters/mjml/mjml-renderer.js';
import { buildDeliveryDeps, parseConfig } from '../../functions/config.js';
import { runWorker } from '../../functions/core/delivery/worker.js';
import { createArticleIssue, issueReport, sendIssueNow } from '../../functions/core/issues/manage-issues.js';
import { startLocalStack } from '../../infra/local/stack.js';

const SLUG = 'nato-western-balkans-stability';
const stack = await startLocalStack({ env: { ...process.env, DATA_DIR: await mkdtemp(join(tmpdir(), 'dispatch-bench-scale-')), PORT: '0' }, persist: false, schedules: false });
const deps = await buildDeliveryDeps(parseConfig(process.env), new MjmlIssueRenderer('templates'));
const issue = await createArticleIssue(deps, { article: SLUG, topics: ['security'] });
await sendIssueNow(deps, issue.id);

global.gc?.();
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
for (let round = 0; round < 50; round++) {
  const run = await runWorker(deps, { issueId: issue.id, workerId: `scale-${round}` });
  invocations++;
  sent += run.sent;
  state = (await issueReport(deps, issue.id)).issue.state;
  if (state === 'sent') break;
}
const seconds = (performance.now() - t0) / 1000;
clearInterval(sampler);
peakRss = Math.max(peakRss, process.memoryUsage().rss);
const usage = process.resourceUsage();
await stack.close();
console.log(JSON.stringify({ seconds, sent, invocations, state, rssAtStart, peakRss, maxRssKb: usage.maxRSS, cpuUserMs: usage.userCPUTime / 1000, cpuSystemMs: usage.systemCPUTime / 1000, samples: samples.length }));
process.exit(0);
