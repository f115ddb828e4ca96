/**
 * `npm run outbox -- failed | retry <subscriber|message> <id> | drain [--seconds N]`: the
 * transactional emails the outbox gave up on, an editor's retry of one, and a sender in the
 * foreground (what the Streams consumer and the tick do on AWS, what `npm start` runs in-process).
 */
import { drainOutbox } from '../functions/core/outbox/drain.js';
import { listGivenUp, retryGivenUp } from '../functions/core/outbox/manage.js';
import { cli } from './args.js';
import { describeFailure, editorDeps, openTarget } from './bootstrap.js';
import { refuseSendingHere } from './target.js';

const USAGE = `usage: npm run outbox -- <command>

  failed                           the transactional emails given up on, with why
  retry subscriber|message <id>    queue one of them again
  drain [--seconds N]              send what is queued, in the foreground (default for an hour;
                                   local only: on a stage the outbox function sends)`;

const { positionals, values, stage, fail, wholeNumber } = cli(USAGE, {
  seconds: { type: 'string' },
});
const [command, holder, id] = positionals;
if (command === 'retry' && !((holder === 'subscriber' || holder === 'message') && id))
  fail('retry takes subscriber <id> or message <id>');
if (!['failed', 'retry', 'drain'].includes(command ?? ''))
  fail(command ? `unknown command "${command}"` : 'missing command');
const seconds = values.seconds ? wholeNumber(values.seconds, '--seconds', { min: 1 }) : 3600;

try {
  const target = await openTarget(stage);
  if (command === 'drain') refuseSendingHere(target, '`outbox drain`');
  const deps = await editorDeps(target);
  if (command === 'failed') {
    for (const { holder, id, to, entry } of await listGivenUp(deps))
      console.log(
        `${holder} ${id}  ${entry.kind.padEnd(12)} ${to}  ${entry.failedAt}  ${entry.reason}`,
      );
  } else if (command === 'retry' && (holder === 'subscriber' || holder === 'message') && id) {
    const { to, entry } = await retryGivenUp(deps, holder, id);
    console.log(`Queued the ${entry.kind} to ${to} again.`);
  } else {
    const until = Date.now() + seconds * 1000;
    while (Date.now() < until) {
      const result = await drainOutbox(deps, { deadline: until });
      if (result.sent + result.failed + result.cancelled + result.unconfirmed > 0)
        console.log(JSON.stringify(result));
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
} catch (error) {
  console.error(describeFailure(error));
  process.exitCode = 1;
}
