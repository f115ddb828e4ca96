/**
 * `npm run outbox -- failed | retry <subscriber|message> <id> | drain [--seconds N]`: the
 * transactional emails the outbox gave up on, an editor's retry of one, and a sender in the
 * foreground (what the Streams consumer and the tick do on AWS, what `npm start` runs in-process).
 */
import { parseArgs } from 'node:util';
import { drainOutbox } from '../functions/core/outbox/drain.js';
import { listGivenUp, retryGivenUp } from '../functions/core/outbox/manage.js';
import { DomainError } from '../functions/core/errors.js';
import { connectionHint, editorDeps } from './bootstrap.js';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { seconds: { type: 'string' } },
});
const [command, holder, id] = positionals;

try {
  const deps = await editorDeps();
  if (command === 'failed') {
    for (const { holder, id, to, entry } of await listGivenUp(deps))
      console.log(
        `${holder} ${id}  ${entry.kind.padEnd(12)} ${to}  ${entry.failedAt}  ${entry.reason}`,
      );
  } else if (command === 'retry' && (holder === 'subscriber' || holder === 'message') && id) {
    const { to, entry } = await retryGivenUp(deps, holder, id);
    console.log(`Queued the ${entry.kind} to ${to} again.`);
  } else if (command === 'drain') {
    const until = Date.now() + Number(values.seconds ?? 3600) * 1000;
    while (Date.now() < until) {
      const result = await drainOutbox(deps, { deadline: until });
      if (result.sent + result.failed + result.cancelled + result.unconfirmed > 0)
        console.log(JSON.stringify(result));
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  } else {
    console.error(
      'usage: npm run outbox -- failed | retry subscriber|message <id> | drain [--seconds N]',
    );
    process.exitCode = 2;
  }
} catch (error) {
  if (!(error instanceof DomainError)) throw error;
  console.error(`${error.message}${connectionHint(error)}`);
  process.exitCode = 1;
}
