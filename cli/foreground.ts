import { SingleBar } from 'cli-progress';
import { fanOut } from '../functions/core/delivery/fleet.js';
import { runWorker } from '../functions/core/delivery/worker.js';
import { issueReport } from '../functions/core/issues/manage-issues.js';
import { processedOf } from '../functions/core/issues/issue.js';
import type { editorDeps } from './bootstrap.js';

type Deps = Awaited<ReturnType<typeof editorDeps>>;

/**
 * A progress bar on stderr that counts every sender's recipients (the tick's and the fleet's
 * included), refreshed from the issue's report twice a second until `stop`.
 */
async function progressBar(deps: Deps, issueId: string) {
  const bar = new SingleBar({
    format:
      '  {bar} {percentage}% | {value}/{total} recipients | sent {sent} · skipped {skipped} · failed {failed}',
    barCompleteChar: '█',
    barIncompleteChar: '░',
    stream: process.stderr,
    noTTYOutput: true,
    notTTYSchedule: 2000,
  });
  const first = await issueReport(deps, issueId);
  bar.start(
    Math.max(first.issue.total ?? 0, processedOf(first.counts)),
    processedOf(first.counts),
    { sent: 0, skipped: 0, failed: 0 },
  );
  const refresh = async () => {
    const report = await issueReport(deps, issueId);
    const done = processedOf(report.counts);
    bar.setTotal(Math.max(report.issue.total ?? 0, done));
    bar.update(done, {
      sent: report.counts.sent,
      skipped: report.counts.skipped + report.counts.ambiguous,
      failed: report.counts.failed,
    });
    return report;
  };
  const timer = setInterval(() => void refresh().catch(() => {}), 500);
  return {
    refresh,
    stop() {
      clearInterval(timer);
      bar.stop();
    },
  };
}

/**
 * Works one issue in the foreground with `workers` workers until it is finished (or paused or
 * cancelled by someone else). Killed, it can simply be run again: the next run resumes. Local
 * only: on a stage the fleet sends and the CLI watches (`watchIssue`).
 */
export async function sendInForeground(deps: Deps, issueId: string, workers: number) {
  const bar = await progressBar(deps, issueId);
  try {
    const results = await Promise.all(
      Array.from({ length: workers }, () => runWorker(deps, { issueId })),
    );
    await bar.refresh();
    return results;
  } finally {
    bar.stop();
  }
}

/**
 * Watches an issue that others send (a stage's fleet) until it stops sending: sent, paused or
 * cancelled. Stopping the watch (Ctrl-C) stops nothing but the watch.
 */
export async function watchIssue(deps: Deps, issueId: string, pollMs = 2_000) {
  const bar = await progressBar(deps, issueId);
  try {
    for (;;) {
      const report = await bar.refresh();
      if (report.issue.state !== 'sending') return report;
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  } finally {
    bar.stop();
  }
}

/**
 * On a stage, an issue that is sending is the fleet's: its open shards are queued at once (the
 * tick queues them anyway within a minute, so a failure here delays, never loses, the send).
 */
export async function queueForFleet(deps: Deps, issueId: string) {
  const { queued, error } = await fanOut(deps, [issueId]);
  if (error)
    console.error(`  Shards not queued (${error}); the stage's tick queues them within a minute.`);
  else if (queued > 0) console.log(`  ${queued} shards queued for the stage's sender fleet.`);
  return queued;
}
