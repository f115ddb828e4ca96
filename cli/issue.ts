/** `npm run issue -- <command>`: the editor's issue commands; `--help` prints them. */
import { exitIfHeld } from './held.js';
import { userInfo } from 'node:os';
import { runWorker } from '../functions/core/delivery/worker.js';
import { ambiguousReaders, resolveAmbiguous } from '../functions/core/issues/ambiguous.js';
import { startDigest } from '../functions/core/issues/digests.js';
import {
  IssueStates,
  totalLabel,
  type IssueState,
  type Resolution,
} from '../functions/core/issues/issue.js';
import {
  cancelIssue,
  createArticleIssue,
  issueReport,
  pauseIssue,
  resumeIssue,
  scheduleIssue,
  sendIssueNow,
} from '../functions/core/issues/manage-issues.js';
import { cli } from './args.js';
import { describeFailure, editorDeps, openTarget, printReport, summaryLine } from './bootstrap.js';
import { queueForFleet, sendInForeground, watchIssue } from './foreground.js';
import { refuseSendingHere, TargetRefused } from './target.js';

const USAGE = `usage: npm run issue -- <command>

  create --article <slug> [--subject S] [--note N] [--topics a,b] [--frequencies immediate,daily,weekly] [--id ID]
  schedule <id> --at <ISO time>      send at a time (the tick starts it)
  send <id> [--workers N]            send now, in the foreground, until finished; on a stage the
                                     fleet sends and this watches (Ctrl-C stops only the watch)
  pause <id> | resume <id> | cancel <id>
  status <id>                        progress while sending, the report afterwards (ambiguous readers by address)
  watch <id>                         progress until it stops sending (sent, paused or cancelled), then the report
  resolve <id> <subscriberId> delivered|release --reason "…"   an editor's decision on an ambiguous reader
  list [--state S]                   issues by state
  digest daily|weekly [--at ISO]     start this period's digest now (as its schedule would)
  worker [--seconds N]               one send worker on whatever is sending, then exit (local only)`;

const { positionals, values, stage, fail, need, wholeNumber } = cli(USAGE, {
  article: { type: 'string' },
  subject: { type: 'string' },
  note: { type: 'string' },
  topics: { type: 'string' },
  frequencies: { type: 'string' },
  id: { type: 'string' },
  at: { type: 'string' },
  workers: { type: 'string' },
  state: { type: 'string' },
  seconds: { type: 'string' },
  reason: { type: 'string' },
});
const [command, operand] = positionals;
const list = (value: string | undefined) =>
  value
    ?.split(',')
    .map((v) => v.trim())
    .filter(Boolean);
/** An ISO time, or a usage error naming the option (a bad one was an Invalid Date sent on). */
const time = (value: string, name: string) => {
  const at = new Date(value);
  return Number.isNaN(at.getTime()) ? fail(`${name} must be an ISO time, not "${value}"`) : at;
};

const resolutionOf = (value: string): Resolution =>
  value === 'delivered' || value === 'release'
    ? value
    : fail(`resolve takes delivered or release, not "${value}"`);

const at = values.at === undefined ? undefined : time(values.at, '--at');
const allStates = Object.values(IssueStates);
if (values.state && !allStates.includes(values.state as IssueState))
  fail(`--state must be one of ${allStates.join(', ')}, not "${values.state}"`);

const commands = [
  'create',
  'schedule',
  'send',
  'pause',
  'resume',
  'cancel',
  'status',
  'watch',
  'resolve',
];
if (!command) fail('missing command');
else if (![...commands, 'list', 'digest', 'worker'].includes(command))
  fail(`unknown command "${command}"`);

try {
  const workers = wholeNumber(values.workers ?? '1', '--workers', { min: 1, max: 64 });
  const target = await openTarget(stage);
  const onStage = target.kind === 'stage';
  if (onStage && values.workers !== undefined)
    throw new TargetRefused(
      `--workers is for the local stack: on stage ${target.stage} the sender fleet sends (DISPATCH_SEND_FLEET_SIZE senders).`,
    );
  if (command === 'worker') refuseSendingHere(target, 'A worker');
  const deps = await editorDeps(target, { workers });
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
        need(operand, 'issue id'),
        at ?? fail('missing --at'),
      );
      console.log(
        `${issue.id} is scheduled for ${issue.scheduledAt}; the tick starts it then${onStage ? '' : ' (npm start runs the tick)'}.`,
      );
      break;
    }
    case 'send': {
      const id = need(operand, 'issue id');
      const current = await deps.issues.get(id);
      // Already finished (perhaps by a worker that died right after): report, as `npm run send` does.
      if (current?.state === 'sent') {
        printReport(await issueReport(deps, id));
        break;
      }
      const { issue } = exitIfHeld(
        current?.state === 'paused' ? await resumeIssue(deps, id) : await sendIssueNow(deps, id),
      );
      console.log(
        `Sending ${issue.id}: "${issue.subject}" to ${totalLabel(issue) ?? 0} recipients`,
      );
      if (onStage) {
        await queueForFleet(deps, id);
        console.log('  Watching; Ctrl-C stops the watch, not the send.');
        await watchIssue(deps, id);
      } else await sendInForeground(deps, id, workers);
      const report = await issueReport(deps, id);
      console.log(`\nDone: ${summaryLine(report.counts)} Issue ${id} is ${report.issue.state}.`);
      break;
    }
    case 'pause':
      console.log(
        `${(await pauseIssue(deps, need(operand, 'issue id'))).issue.id} is paused; resume with: npm run issue -- resume ${operand}`,
      );
      break;
    case 'resume': {
      const { issue } = exitIfHeld(await resumeIssue(deps, need(operand, 'issue id')));
      if (onStage) await queueForFleet(deps, issue.id);
      console.log(
        onStage
          ? `${issue.id} is sending again; the stage's fleet sends it (follow it: npm run issue -- watch ${issue.id}).`
          : `${issue.id} is sending again; the tick (or npm run issue -- send ${issue.id}) works on it.`,
      );
      break;
    }
    case 'cancel':
      console.log(
        `${(await cancelIssue(deps, need(operand, 'issue id'))).issue.id} is cancelled; nothing more is sent.`,
      );
      break;
    case 'status': {
      const id = need(operand, 'issue id');
      printReport(await issueReport(deps, id), (await ambiguousReaders(deps, id)).readers);
      break;
    }
    case 'watch': {
      const id = need(operand, 'issue id');
      await watchIssue(deps, id);
      printReport(await issueReport(deps, id), (await ambiguousReaders(deps, id)).readers);
      break;
    }
    case 'resolve': {
      const [, id, subscriberId, resolution] = positionals;
      const decided = await resolveAmbiguous(
        deps,
        need(id, 'issue id'),
        need(subscriberId, 'subscriber id'),
        resolutionOf(need(resolution, 'delivered or release')),
        need(values.reason, '--reason'),
        `${userInfo().username} (cli)`,
      );
      // A release can reopen a sent issue: on a stage its shard goes to the fleet.
      if (onStage && decided.resolution === 'release')
        await queueForFleet(deps, need(id, 'issue id'));
      console.log(
        decided.resolution === 'delivered'
          ? `Marked delivered: ${subscriberId} is never sent ${id}.`
          : `Released: ${subscriberId} is sent ${id} again by the next send (the tick, or: npm run issue -- send ${id}).`,
      );
      break;
    }
    case 'list': {
      const states = values.state ? [values.state as IssueState] : allStates;
      for (const state of states) {
        for (const issue of await deps.issues.listByState(state))
          console.log(`${issue.state.padEnd(9)} ${issue.id.padEnd(44)} ${issue.subject}`);
      }
      break;
    }
    case 'digest': {
      const frequency = need(operand, 'daily or weekly');
      if (frequency !== 'daily' && frequency !== 'weekly')
        fail(`digest takes daily or weekly, not "${frequency}"`);
      const result = await startDigest(deps, frequency as 'daily' | 'weekly', at ?? new Date(), {
        byHand: true,
      });
      if (onStage && result.status !== 'nothing_new') await queueForFleet(deps, result.issue.id);
      console.log(
        result.status === 'nothing_new'
          ? `No new articles since the last ${frequency} digest: nothing to send.`
          : `${result.issue.id}: ${result.status.replace('_', ' ')}; it sends with the tick, or: npm run issue -- send ${result.issue.id}`,
      );
      break;
    }
    case 'worker': {
      const seconds = values.seconds ? wholeNumber(values.seconds, '--seconds', { min: 1 }) : 0;
      const result = await runWorker(deps, {
        deadline: seconds > 0 ? Date.now() + seconds * 1000 : undefined,
      });
      console.log(
        `Worker stopped (${result.stoppedBecause}): ${result.processed} recipients settled, ${result.sent} sent.`,
      );
      break;
    }
    default:
      fail(`unknown command "${command}"`);
  }
  process.exit(0);
} catch (error) {
  console.error(describeFailure(error));
  process.exit(1);
}
