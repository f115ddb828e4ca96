import { SingleBar } from 'cli-progress';
import { runWorker } from '../functions/core/delivery/worker.js';
import { issueReport } from '../functions/core/issues/manage-issues.js';
import { processedOf } from '../functions/core/issues/issue.js';
import type { editorDeps } from './bootstrap.js';

/**
 * Works one issue in the foreground with `workers` workers until it is finished (or paused or
 * cancelled by someone else), with a progress bar that counts every worker's recipients, the
 * tick's included. Killed, it can simply be run again: the next run resumes.
 */
export async function sendInForeground(
  deps: Awaited<ReturnType<typeof editorDeps>>,
  issueId: string,
  workers: number,
) {
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
  };
  const timer = setInterval(() => void refresh().catch(() => {}), 500);
  try {
    const results = await Promise.all(
      Array.from({ length: workers }, () => runWorker(deps, { issueId })),
    );
    await refresh();
    return results;
  } finally {
    clearInterval(timer);
    bar.stop();
  }
}
