import { MjmlIssueRenderer } from '../functions/adapters/mjml/mjml-renderer.js';
import { buildDeliveryDeps, parseConfig } from '../functions/config.js';
import { processedOf, type Counts } from '../functions/core/issues/issue.js';
import type { IssueReport } from '../functions/core/issues/manage-issues.js';
import { dataDirOf, readStackInfo } from '../local/environment.js';

/**
 * The editor's tools run against whatever the environment points at; by default the stack that
 * `npm start` runs, which wrote where its emulators are. Anything already set wins.
 */
export async function editorDeps(overrides: { workers?: number } = {}) {
  const stack = await readStackInfo(dataDirOf(process.env));
  for (const [key, value] of Object.entries(stack?.env ?? {})) process.env[key] ??= value;
  const config = parseConfig(process.env);
  if (overrides.workers) config.SEND_WORKERS = overrides.workers;
  return buildDeliveryDeps(config, new MjmlIssueRenderer(config.TEMPLATES_DIR));
}

export function summaryLine(counts: Counts): string {
  const skipped = counts.skipped + counts.ambiguous;
  const detail = `${counts.skipped} already sent${counts.ambiguous ? `, ${counts.ambiguous} ambiguous, not resent` : ''}`;
  return (
    `${processedOf(counts)} recipients: ${counts.sent} sent, ${skipped} skipped (${detail}), ${counts.failed} failed` +
    (counts.suppressed ? `, ${counts.suppressed} suppressed` : '') +
    '.'
  );
}

export function printReport(report: IssueReport) {
  const { issue, counts, engagement } = report;
  console.log(
    `${issue.id}: ${issue.state}${issue.pause ? ` (${issue.pause.reason}${issue.pause.message ? `: ${issue.pause.message}` : ''})` : ''}`,
  );
  console.log(`  subject    ${issue.subject}`);
  console.log(
    `  audience   topics ${issue.audience.topics.join(', ')}; ${issue.audience.frequencies.join(', ')}`,
  );
  if (issue.scheduledAt) console.log(`  scheduled  ${issue.scheduledAt}`);
  console.log(
    `  progress   ${summaryLine(counts)} ${report.remaining} remaining of ${issue.total ?? '?'}; ${report.shardsDone}/8 shards done`,
  );
  console.log(
    `  events     ${engagement.delivered} delivered, ${engagement.bounced} bounced, ${engagement.complained} complained, ${engagement.opened} opened, ${engagement.clicked} clicked`,
  );
  for (const id of report.ambiguous)
    console.log(
      `  ambiguous  subscriber ${id}: a worker stopped between SES and the ledger; not resent`,
    );
  for (const f of report.failures)
    console.log(`  failed     subscriber ${f.subscriberId}: ${f.reason}`);
  for (const [reason, n] of Object.entries(report.skips))
    console.log(`  skipped    ${n} recipient${n === 1 ? '' : 's'}: ${reason}`);
}

export function connectionHint(error: unknown): string {
  const text = String((error as Error)?.cause ?? error);
  return (error as Error)?.name === 'TimeoutError' || /ECONNREFUSED/.test(text)
    ? '\nIs the local stack running? Start it with `npm start` in another terminal.'
    : '';
}
