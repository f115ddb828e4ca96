import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/** A CLI run as `npm run <name> -- …` runs it, without a stack behind it: usage never needs one. */
function run(cli: string, ...args: string[]) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', `cli/${cli}.ts`, ...args], {
    encoding: 'utf8',
    env: {
      ...process.env,
      TABLE_NAME: '',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
    timeout: 30_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('the command-line tools', () => {
  it('print their usage on stdout for --help and -h, and exit 0', () => {
    for (const [cli, flag] of [
      ['keys', '--help'],
      ['issue', '-h'],
      ['send', '--help'],
      ['outbox', '--help'],
      ['events', '--help'],
    ] as const) {
      const { code, stdout, stderr } = run(cli, flag);
      expect({ cli, code, stderr }).toEqual({ cli, code: 0, stderr: '' });
      expect(stdout).toMatch(new RegExp(`^usage: npm run ${cli} -- `));
    }
  }, 60_000);

  it('say what is wrong, show the usage and exit 2 on a usage error, with no stack trace', () => {
    const cases: [string, string[], RegExp][] = [
      ['keys', ['create', '--rol', 'editor'], /Unknown option '--rol'/],
      // A key's role is chosen: without --role, no editor key is made by default.
      ['keys', ['create', '--name', 'Jane'], /--role must be editor or viewer/],
      // Every new key carries its holder's address: where their test sends may go.
      ['keys', ['create', '--name', 'Jane', '--role', 'editor'], /missing --email/],
      [
        'issue',
        ['send', 'x', '--workers', 'abc'],
        /--workers must be a whole number from 1 to 64, not "abc"/,
      ],
      ['issue', ['schedule', 'x', '--at', 'tomorrow'], /--at must be an ISO time, not "tomorrow"/],
      ['issue', ['frobnicate'], /unknown command "frobnicate"/],
      ['send', [], /missing the article slug/],
      ['outbox', ['retry', 'someone'], /retry takes subscriber <id> or message <id>/],
      ['events', ['bogus'], /unknown command "bogus"/],
    ];
    for (const [cli, args, message] of cases) {
      const { code, stdout, stderr } = run(cli, ...args);
      expect({ cli, args, code, stdout }).toEqual({ cli, args, code: 2, stdout: '' });
      expect(stderr).toMatch(message);
      expect(stderr).toContain(`usage: npm run ${cli} -- `);
      expect(stderr).not.toMatch(/\n\s+at /);
    }
  }, 120_000);
});
