/**
 * `npm run deploy -- --stage <name> [more sst deploy options]`: the deploy, as docs/deploy.md and
 * the deploy workflow run it. First the slug check against that stage's table (`npm run
 * check:slugs` inside `sst shell --stage <name>`, which gives it the stage's table and secrets);
 * only when it passes, `sst deploy`. SST has no pre-deploy hook, and a check inside
 * `sst.config.ts`'s `run()` would also run on `sst diff` and `sst remove` and could not see the
 * table's name before Pulumi resolves it, so the check is this script's first step: a collision
 * (a content/ file that would hide a workspace article readers may have been mailed) stops the
 * deploy before anything changes.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Runs a command with the terminal's streams; answers its exit code. */
export type Run = (command: string, args: readonly string[]) => Promise<number>;

const STAGE = /^[A-Za-z0-9][A-Za-z0-9-]*$/;

/** The deploy's steps, in order; `run` is the shell (a test's runs the check and records the rest). */
export async function deployStage(
  stage: string | undefined,
  sstOptions: readonly string[],
  run: Run,
  say: (line: string) => void = console.error,
): Promise<number> {
  if (!stage || !STAGE.test(stage) || stage === 'local') {
    say(
      'usage: npm run deploy -- --stage <name> [sst deploy options]  (a deployed stage, not local)',
    );
    return 2;
  }
  const check = await run('npx', [
    'sst',
    'shell',
    '--stage',
    stage,
    '--',
    'npx',
    'tsx',
    'cli/check-slugs.ts',
  ]);
  if (check !== 0) {
    say(
      `Not deployed: the slug check on stage ${stage} failed or could not run (above). Nothing was changed.`,
    );
    return 1;
  }
  return run('npx', ['sst', 'deploy', '--stage', stage, ...sstOptions]);
}

/** `--stage <name>` or `--stage=<name>` out of the arguments; the rest go to `sst deploy`. */
export function parseDeployArgs(argv: readonly string[]) {
  const rest: string[] = [];
  let stage: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--stage') stage = argv[++i];
    else if (arg.startsWith('--stage=')) stage = arg.slice('--stage='.length);
    else rest.push(arg);
  }
  return { stage, rest };
}

const inherit: Run = (command, args) =>
  new Promise((resolve) => {
    const child = spawn(command, args, { stdio: 'inherit' });
    child.on('error', () => resolve(127));
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { stage, rest } = parseDeployArgs(process.argv.slice(2));
  process.exit(await deployStage(stage, rest, inherit));
}
