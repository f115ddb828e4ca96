/**
 * `npm run backfill:list-index` (`--help`): once, after deploying the subscriber list's index
 * (GSI3), gives its keys to subscribers written before it (functions/adapters/dynamo/
 * list-index-backfill.ts). Run it against a stage with `--stage <name>` (through `sst shell`);
 * stopped, it can simply be run again.
 */
import { createDocumentClient } from '../functions/adapters/dynamo/client.js';
import { backfillListIndex } from '../functions/adapters/dynamo/list-index-backfill.js';
import { parseConfig } from '../functions/config.js';
import { cli } from './args.js';
import { describeFailure, openTarget } from './bootstrap.js';

const USAGE = `usage: npm run backfill:list-index

  gives subscribers stored before the list index (GSI3) its keys, so the workspace lists them`;

const { positionals, stage, fail } = cli(USAGE, {});
if (positionals.length > 0) fail(`unexpected argument "${positionals[0]}"`);

try {
  await openTarget(stage);
  const { TABLE_NAME } = parseConfig(process.env);
  const done = await backfillListIndex(createDocumentClient(), TABLE_NAME, (p) =>
    console.log(`  ${p.scanned} items read, ${p.updated} subscribers given the list's keys`),
  );
  console.log(`Done: ${done.updated} subscribers added to the list index.`);
} catch (error) {
  console.error(describeFailure(error));
  process.exitCode = 1;
}
