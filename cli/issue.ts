/**
 * `npm run issue -- <command>`: the editor's issue commands.
 *
 *   create --article <slug> [--subject S] [--note N] [--topics a,b] [--frequencies immediate,daily,weekly] [--id ID]
 *   schedule <id> --at <ISO time>      send at a time (the tick starts it)
 *   send <id> [--workers N]            send now, in the foreground, until finished
 *   pause <id> | resume <id> | cancel <id>
 *   status <id>                        progress while sending, the report afterwards (ambiguous readers by address)
 *   resolve <id> <subscriberId> delivered|release --reason "…"   an editor's decision on an ambiguous reader
 *   list [--state S]                   issues by state
 *   digest daily|weekly [--at ISO]     start this period's digest now (as its schedule would)
 *   worker [--seconds N]               one send worker on whatever is sending, then exit
 */
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { runWorker } from '../functions/core/delivery/worker.js';
import { DomainError } from '../functions/core/errors.js';
import { ambiguousReaders, resolveAmbiguous } from '../functions/core/issues/ambiguous.js';
import { startDigest } from '../functions/core/issues/digests.js';
import { IssueStates, type IssueState, type Resolution } from '../functions/core/issues/issue.js';
import {
  cancelIssue,
  createArticleIssue,
  issueReport,
  pauseIssue,
  resumeIssue,
  scheduleIssue,
  sendIssueNow,
} from '../functions/core/issues/manage-issues.js';
import { connectionHint, editorDeps, printReport, summaryLine } from './bootstrap.js';
import { sendInForeground } from './foreground.js';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    article: { type: 'string' },
    subject: { type: 'string' },
    note: { type: 'string' },
    topics: { type: 'string' },
    frequencies: { type: 'string' },
    id: { type: 'string' },
    at: { type: 'string' },
    workers: { type: 'string', default: '1' },
    state: { type: 'string' },
    seconds: { type: 'string' },
    reason: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
const [command, target] = positionals;
const list = (value: string | undefined) =>
  value
    ?.split(',')
    .map((v) => v.trim())
    .filter(Boolean);
const usage = () => {
  console.error(
    'usage: npm run issue -- create|schedule|send|pause|resume|cancel|status|resolve|list|digest|worker … (see cli/issue.ts)',
  );
  process.exit(2);
};
const need = (value: string | undefined, what: string): string => {
  if (value !== undefined) return value;
  console.error(`missing ${what}`);
  return usage();
};

try {
  if (!command || values.help) usage();
  const workers = Math.max(1, Number(values.workers) || 1);
  const deps = await editorDeps({ workers });
  switch (command) {
    case 'create': {
      const issue = await createArticleIssue(deps, {
        article: values.article,
        subject: values.subject,
        editorNote: values.note,
        topics: list(values.topics),
        frequencies: list(values.frequencies),
        id: values.id,
      });
      console.log(`Created ${issue.id} (draft): "${issue.subject}"`);
      break;
    }
    case 'schedule': {
      const { issue } = await scheduleIssue(
        deps,
        need(target, 'issue id'),
        new Date(need(values.at, '--at')),
      );
      console.log(
        `${issue.id} is scheduled for ${issue.scheduledAt}; the tick starts it then (npm start runs the tick).`,
      );
      break;
    }
    case 'send': {
      const id = need(target, 'issue id');
      const current = await deps.issues.get(id);
      // Already finished (perhaps by a worker that died right after): report, as `npm run send` does.
      if (current?.state === 'sent') {
        printReport(await issueReport(deps, id));
        break;
      }
      const { issue } =
        current?.state === 'paused' ? await resumeIssue(deps, id) : await sendIssueNow(deps, id);
      console.log(`Sending ${issue.id}: "${issue.subject}" to ${issue.total ?? 0} recipients`);
      await sendInForeground(deps, id, workers);
      const report = await issueReport(deps, id);
      console.log(`\nDone: ${summaryLine(report.counts)} Issue ${id} is ${report.issue.state}.`);
      break;
    }
    case 'pause':
      console.log(
        `${(await pauseIssue(deps, need(target, 'issue id'))).issue.id} is paused; resume with: npm run issue -- resume ${target}`,
      );
      break;
    case 'resume':
      console.log(
        `${(await resumeIssue(deps, need(target, 'issue id'))).issue.id} is sending again; the tick (or npm run issue -- send) works on it.`,
      );
      break;
    case 'cancel':
      console.log(
        `${(await cancelIssue(deps, need(target, 'issue id'))).issue.id} is cancelled; nothing more is sent.`,
      );
      break;
    case 'status': {
      const id = need(target, 'issue id');
      printReport(await issueReport(deps, id), (await ambiguousReaders(deps, id)).readers);
      break;
    }
    case 'resolve': {
      const [, id, subscriberId, resolution] = positionals;
      const decided = await resolveAmbiguous(
        deps,
        need(id, 'issue id'),
        need(subscriberId, 'subscriber id'),
        need(resolution, 'delivered or release') as Resolution,
        need(values.reason, '--reason'),
        `${userInfo().username} (cli)`,
      );
      console.log(
        decided.resolution === 'delivered'
          ? `Marked delivered: ${subscriberId} is never sent ${id}.`
          : `Released: ${subscriberId} is sent ${id} again by the next send (the tick, or: npm run issue -- send ${id}).`,
      );
      break;
    }
    case 'list': {
      const states = values.state ? [values.state as IssueState] : Object.values(IssueStates);
      for (const state of states) {
        for (const issue of await deps.issues.listByState(state))
          console.log(`${issue.state.padEnd(9)} ${issue.id.padEnd(44)} ${issue.subject}`);
      }
      break;
    }
    case 'digest': {
      const frequency = need(target, 'daily or weekly');
      if (frequency !== 'daily' && frequency !== 'weekly') usage();
      const result = await startDigest(
        deps,
        frequency as 'daily' | 'weekly',
        values.at ? new Date(values.at) : new Date(),
      );
      console.log(
        result.status === 'nothing_new'
          ? `No new articles since the last ${frequency} digest: nothing to send.`
          : `${result.issue.id}: ${result.status.replace('_', ' ')}; it sends with the tick, or: npm run issue -- send ${result.issue.id}`,
      );
      break;
    }
    case 'worker': {
      const seconds = Number(values.seconds ?? 0);
      const result = await runWorker(deps, {
        deadline: seconds > 0 ? Date.now() + seconds * 1000 : undefined,
      });
      console.log(
        `Worker stopped (${result.stoppedBecause}): ${result.processed} recipients settled, ${result.sent} sent.`,
      );
      break;
    }
    default:
      usage();
  }
  process.exit(0);
} catch (error) {
  console.error(
    error instanceof DomainError
      ? error.message
      : `${(error as Error).stack}${connectionHint(error)}`,
  );
  process.exit(error instanceof DomainError ? 1 : 2);
}
