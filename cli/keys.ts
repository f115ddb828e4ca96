/**
 * `npm run keys -- create --name "Jane" --email jane@example.org --role editor|viewer` | `list` |
 * `revoke <prefix>` (`--help`): editors' API keys, each with its holder's own address (where their
 * test sends may go). A key is shown once, at creation; only its hash is stored. Run against a
 * stage (`npx sst shell --stage production -- npm run keys -- create …`), it makes the first key
 * of a fresh deployment.
 */
import { createApiKey } from '../functions/core/access/api-keys.js';
import { cli } from './args.js';
import { auditCli, describeFailure, editorDeps, openTarget } from './bootstrap.js';

const USAGE = `usage: npm run keys -- <command>

  create --name NAME --email ADDRESS --role editor|viewer
                            a new key, shown once (editors send; viewers read); ADDRESS is the
                            holder's own: test sends go only to the keys' addresses
  list                      every key, with its address and last use
  revoke <prefix>           revoke the active key that starts with <prefix>`;

const { positionals, values, stage, fail, need } = cli(USAGE, {
  name: { type: 'string' },
  email: { type: 'string' },
  role: { type: 'string' },
});
const [command, target] = positionals;
// A key's power is chosen, never defaulted: an editor key can send to everyone.
if (command === 'create' && values.role !== 'editor' && values.role !== 'viewer')
  fail(
    `--role must be editor or viewer${values.role === undefined ? '' : `, not "${values.role}"`}`,
  );
if (command === 'create') need(values.name, '--name');
if (command === 'create') need(values.email, '--email');
if (command === 'revoke') need(target, 'the key prefix to revoke');
if (!['create', 'list', 'revoke'].includes(command ?? ''))
  fail(command ? `unknown command "${command}"` : 'missing command');

try {
  const deps = await editorDeps(await openTarget(stage));
  if (command === 'create') {
    const { key, record } = await createApiKey(deps, {
      name: values.name,
      email: values.email,
      role: values.role,
    });
    await auditCli('keys create', record.prefix);
    console.log(
      `Created ${record.role} key "${record.name}" <${record.email}> (${record.prefix}…). Keep it now; it is not shown again:\n\n  ${key}\n`,
    );
  } else if (command === 'list') {
    for (const k of await deps.apiKeys.list()) {
      console.log(
        `${k.prefix}…  ${k.role.padEnd(6)}  ${k.name.padEnd(24)}  ${(k.email ?? '(no address: cannot test-send)').padEnd(32)}  created ${k.createdAt}  last used ${k.lastUsedAt ?? 'never'}${k.revokedAt ? `  REVOKED ${k.revokedAt}` : ''}`,
      );
    }
  } else if (target) {
    const revoked = await deps.apiKeys.revoke(target, new Date());
    if (revoked) await auditCli('keys revoke', target);
    console.log(revoked ? `Revoked ${target}…` : `No active key starts with ${target}`);
  }
  process.exit(0);
} catch (error) {
  console.error(describeFailure(error));
  process.exit(1);
}
