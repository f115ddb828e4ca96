import { MjmlIssueRenderer } from '../functions/adapters/mjml/mjml-renderer.js';
import { DynamoAuditLog } from '../functions/adapters/dynamo/dynamo-audit-log.js';
import { buildDeliveryDeps, documentClientFor, parseConfig } from '../functions/config.js';
import type { AuditEntry } from '../functions/core/access/audit.js';
import { processedOf, shardsOf, totalLabel, type Counts } from '../functions/core/issues/issue.js';
import type { AmbiguousReader } from '../functions/core/issues/ambiguous.js';
import type { IssueReport } from '../functions/core/issues/manage-issues.js';
import type { Mailer } from '../functions/core/ports.js';
import { applyTarget, TargetRefused, type Target } from './target.js';

/** The target this process chose (for the hints of `describeFailure`). */
let chosen: Target | undefined;

/**
 * The deployment the command runs against, from `--stage` (cli/target.ts): its values are put in
 * the environment, the local stack's or the stage's, never both. Every command calls it first.
 */
export async function openTarget(stage: string | undefined): Promise<Target> {
  chosen = await applyTarget(stage);
  return chosen;
}

/**
 * The editor's tools' dependencies on the target. On a stage the mailer refuses: the fleet and
 * the schedules send there, at the account's one pace, and this process never adds its own.
 */
export async function editorDeps(target: Target, overrides: { workers?: number } = {}) {
  const config = parseConfig(process.env);
  if (overrides.workers) config.SEND_WORKERS = overrides.workers;
  const deps = await buildDeliveryDeps(config, new MjmlIssueRenderer(config.TEMPLATES_DIR));
  if (target.kind === 'local') return deps;
  const refusing: Mailer = {
    send: () =>
      Promise.reject(new TargetRefused(`The CLI does not send on stage ${target.stage}.`)),
  };
  return { ...deps, mailer: refusing };
}

/**
 * Records a CLI change in the editors' audit trail (after `openTarget`, which fills the
 * environment). The CLI has no key of its own: the operator is named by their login.
 */
export async function auditCli(action: string, target?: string) {
  const config = parseConfig(process.env);
  const entry: AuditEntry = {
    at: new Date().toISOString(),
    actor: `${process.env.USER ?? 'an operator'} (CLI)`,
    keyPrefix: '—',
    action,
    ...(target ? { target } : {}),
    via: 'cli',
  };
  await new DynamoAuditLog(documentClientFor(config), config.TABLE_NAME).record(entry);
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

/** The report; with the ambiguous readers' addresses when given (`ambiguousReaders`), their ids otherwise. */
export function printReport(report: IssueReport, readers?: AmbiguousReader[]) {
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
    `  progress   ${summaryLine(counts)} ${report.remaining} remaining of ${totalLabel(issue) ?? '?'}; ${report.shardsDone}/${shardsOf(issue)} shards done`,
  );
  console.log(
    `  events     ${engagement.delivered} delivered, ${engagement.bounced} bounced, ${engagement.complained} complained, ${engagement.opened} opens by ${engagement.uniqueOpened} readers, ${engagement.clicked} clicks by ${engagement.uniqueClicked} readers (scanners and bots apart: ${engagement.botOpened} opens, ${engagement.botClicked} clicks)`,
  );
  // An A/B issue's variants: each sample's sends and readers, then the rest (sent the winner).
  for (const v of report.abTest?.variants ?? [])
    console.log(
      `  variant    ${v.variant}${report.abTest?.winner?.variant === v.variant ? ' (winner)' : ''} "${v.subject}": ${v.sent} sent, ${v.uniqueOpened} readers opened, ${v.uniqueClicked} clicked`,
    );
  for (const r of readers ?? report.ambiguous.map((id) => ({ subscriberId: id, why: '' })))
    console.log(
      `  ambiguous  ${'email' in r && r.email ? r.email : `subscriber ${r.subscriberId}`} (${r.subscriberId})${r.why ? `: ${r.why}` : ''}; not resent. Decide: npm run issue -- resolve ${issue.id} ${r.subscriberId} delivered|release --reason "…"`,
    );
  for (const r of report.resolutions)
    console.log(
      `  decided    subscriber ${r.subscriberId}: ${r.resolution} by ${r.by} at ${r.at} (${r.reason})${r.resolution === 'release' ? (r.resent ? `; sent again: ${r.resent.outcome}` : '; waiting to be sent') : ''}`,
    );
  for (const f of report.failures)
    console.log(`  failed     subscriber ${f.subscriberId}: ${f.reason}`);
  for (const [reason, n] of Object.entries(report.skips))
    console.log(`  skipped    ${n} recipient${n === 1 ? '' : 's'}: ${reason}`);
}

/**
 * What went wrong, for a person at a terminal: the message and its causes, and what to do when
 * the stack is not running; the stack trace only with DEBUG=1 (it helps us, not them).
 */
export function describeFailure(error: unknown): string {
  if (error instanceof TargetRefused) return error.message;
  if (process.env.DEBUG === '1')
    return `${(error as Error)?.stack ?? error}${connectionHint(error)}`;
  const messages: string[] = [];
  for (let e = error as Error | undefined; e && messages.length < 4; e = e.cause as Error)
    messages.push(e instanceof Error ? e.message : String(e));
  return `${messages.join('\n  caused by: ')}${connectionHint(error)}`;
}

export function connectionHint(error: unknown): string {
  if (chosen?.kind === 'stage') return '';
  const text = String((error as Error)?.cause ?? error);
  if (/configuration is incomplete/.test(String(error)))
    return '\nNo local stack found: start it with `npm start` in another terminal (or name a deployed stage with --stage: docs/deploy.md).';
  return (error as Error)?.name === 'TimeoutError' || /ECONNREFUSED/.test(text)
    ? '\nIs the local stack running? Start it with `npm start` in another terminal.'
    : '';
}
