/**
 * `npm run backfill:list-index`: once, after deploying the subscriber list's index (GSI3), gives
 * its keys to subscribers written before it (see functions/adapters/dynamo/list-index-backfill.ts).
 * Run it against a deployment by pointing the environment at it (TABLE_NAME and AWS credentials);
 * stopped, it can simply be run again.
 */
import { backfillListIndex } from '../functions/adapters/dynamo/list-index-backfill.js';
import { createDocumentClient } from '../functions/adapters/dynamo/client.js';
import { parseConfig } from '../functions/config.js';
import { connectionHint, editorDeps } from './bootstrap.js';

try {
  await editorDeps(); // reads the local stack's settings into the environment, when it runs
  const { TABLE_NAME } = parseConfig(process.env);
  const done = await backfillListIndex(createDocumentClient(), TABLE_NAME, (p) =>
    console.log(`  ${p.scanned} items read, ${p.updated} subscribers given the list's keys`),
  );
  console.log(`Done: ${done.updated} subscribers added to the list index.`);
} catch (error) {
  console.error(`${String(error)}${connectionHint(error)}`);
  process.exitCode = 1;
}
