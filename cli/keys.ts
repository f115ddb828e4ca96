/**
 * `npm run keys -- create --name "Jane" --role editor|viewer` | `list` | `revoke <prefix>`:
 * editors' API keys. A key is shown once, at creation; only its hash is stored. Run it against a
 * deployment by pointing the environment at it (TABLE_NAME and AWS credentials), which is how the
 * first key of a fresh deployment is made.
 */
import { parseArgs } from 'node:util';
import { createApiKey } from '../functions/core/access/api-keys.js';
import { DomainError } from '../functions/core/errors.js';
import { connectionHint, editorDeps } from './bootstrap.js';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { name: { type: 'string' }, role: { type: 'string', default: 'editor' } },
});
const [command, target] = positionals;

try {
  const deps = await editorDeps();
  if (command === 'create') {
    const { key, record } = await createApiKey(deps, { name: values.name, role: values.role });
    console.log(
      `Created ${record.role} key "${record.name}" (${record.prefix}…). Keep it now; it is not shown again:\n\n  ${key}\n`,
    );
  } else if (command === 'list') {
    for (const k of await deps.apiKeys.list()) {
      console.log(
        `${k.prefix}…  ${k.role.padEnd(6)}  ${k.name.padEnd(24)}  created ${k.createdAt}  last used ${k.lastUsedAt ?? 'never'}${k.revokedAt ? `  REVOKED ${k.revokedAt}` : ''}`,
      );
    }
  } else if (command === 'revoke' && target) {
    console.log(
      (await deps.apiKeys.revoke(target, new Date()))
        ? `Revoked ${target}…`
        : `No active key starts with ${target}`,
    );
  } else {
    console.error(
      'usage: npm run keys -- create --name NAME --role editor|viewer | list | revoke <prefix>',
    );
    process.exit(2);
  }
  process.exit(0);
} catch (error) {
  console.error(
    error instanceof DomainError
      ? error.message
      : `${(error as Error).stack}${connectionHint(error)}`,
  );
  process.exit(1);
}
