/**
 * `npm run events -- list` | `count` | `replay`: the SES events `ses-events` could not handle.
 * On a stage (`--stage`, cli/target.ts) it reads the stage's SQS dead-letter queue
 * (`SesEventsDeadLetters`); locally, the local stack's (`npm start`) files under the data folder. `replay` hands each event to the same
 * handler and deletes it once handled; one that fails again stays, and the exit code says so.
 */
import { FileDeadLetters } from '../functions/adapters/files/file-dead-letters.js';
import { SqsDeadLetters } from '../functions/adapters/sqs/sqs-dead-letters.js';
import { buildEventDeps, parseConfig } from '../functions/config.js';
import { replayDeadLetters, type DeadLetters } from '../functions/core/events/dead-letters.js';
import { handleSesEvent, sesEventSchema } from '../functions/core/events/ses-events.js';
import { dataDirOf } from '../local/environment.js';
import { localDeadLettersDir } from '../local/ses-events.js';
import { cli } from './args.js';
import { describeFailure, openTarget } from './bootstrap.js';
import { TargetRefused, type Target } from './target.js';

const USAGE = `usage: npm run events -- <command>

  list      the SES events that could not be handled, with why
  count     how many there are
  replay    hand each to the handler again; what fails again stays (exit 1)`;

const args = cli(USAGE, {});
const [command] = args.positionals;
if (!['list', 'count', 'replay'].includes(command ?? ''))
  args.fail(command ? `unknown command "${command}"` : 'missing command');

function store(target: Target): DeadLetters {
  const url = process.env.SES_EVENTS_DLQ_URL;
  if (target.kind === 'local') {
    // A queue's URL with the local stack's table would replay a stage's events into it.
    if (url)
      throw new TargetRefused(
        "SES_EVENTS_DLQ_URL names a stage's queue, but the target is the local stack: name the stage with --stage <name> (through sst shell).",
      );
    return new FileDeadLetters(localDeadLettersDir(dataDirOf(process.env)));
  }
  if (!url)
    throw new TargetRefused(
      `Stage ${target.stage} names no SesEventsDeadLetters queue: run through \`npx sst shell --stage ${target.stage} -- npm run events -- …\`.`,
    );
  return new SqsDeadLetters(url);
}

async function replay(letters: DeadLetters) {
  const deps = buildEventDeps(parseConfig(process.env));
  const report = await replayDeadLetters(letters, (event) =>
    handleSesEvent(deps, sesEventSchema.parse(event.detail)),
  );
  for (const r of report.replayed)
    console.log(
      `replayed  ${r.eventId}${r.duplicate ? '  (handled before: nothing changed)' : ''}${r.suppressed.length ? `  suppressed ${r.suppressed.join(', ')}` : ''}`,
    );
  for (const f of report.failed) console.log(`failed    ${f.eventId}: ${f.reason} (left in place)`);
  console.log(`${report.replayed.length} replayed, ${report.failed.length} failed again.`);
  return report.failed.length === 0 ? 0 : 1;
}

try {
  const letters = store(await openTarget(args.stage));
  if (command === 'count') {
    console.log(String(await letters.count()));
  } else if (command === 'list') {
    for (const l of await letters.list()) {
      const detail = l.event.detail as { mail?: { messageId?: string; destination?: string[] } };
      console.log(
        `${l.failedAt ?? '?'}  ${l.event['detail-type']}  event ${l.event.id}  message ${detail.mail?.messageId ?? '?'}  to ${detail.mail?.destination?.join(', ') ?? '?'}\n    ${l.reason}`,
      );
    }
  } else {
    process.exit(await replay(letters));
  }
  process.exit(0);
} catch (error) {
  console.error(describeFailure(error));
  process.exit(1);
}
