/**
 * `npm run deploy` refuses a checkout whose content/ file takes a workspace article's slug, before
 * `sst deploy` runs: its check step (the real `cli/check-slugs.ts`) reads a real table (dynalite,
 * standing in for the stage's), and nothing is deployed. `sst shell` is the one stand-in: here it
 * hands the check the local stack's table, as on AWS it hands it the stage's.
 */
import { execFile } from 'node:child_process';
import { cp, mkdtemp, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createArticle, publishArticle } from '../../functions/core/articles/manage.js';
import type { LocalStack } from '../../local/stack.js';
import { deployStage, parseDeployArgs } from '../../scripts/deploy.js';
import { startTestStack } from '../support/stack.js';

const execFileAsync = promisify(execFile);
let stack: LocalStack;
let contentDir: string;

beforeAll(async () => {
  contentDir = join(await mkdtemp(join(tmpdir(), 'dispatch-content-')), 'content');
  await cp('content', contentDir, { recursive: true });
  stack = await startTestStack({ CONTENT_DIR: contentDir });
  const by = 'ed@newsroom.example';
  const source = `---\ntitle: "From the workspace"\ndate: 2026-12-01\nsummary: In brief.\ntopics: [politics]\ndesk: Politics desk\n---\n\nWorkspace body.\n`;
  await createArticle(stack.deps, { slug: 'harbour-report', source, by });
  await publishArticle(stack.deps, { slug: 'harbour-report', version: 1, by });
  // Added to the checkout after the article was published from the workspace.
  await writeFile(join(contentDir, 'harbour-report.md'), source.replace('workspace', 'file'));
}, 60_000);
afterAll(async () => {
  await stack?.close();
});

/** Runs what `npm run deploy` runs; `sst shell` gives the check this stack, `sst deploy` is noted. */
function recordingShell() {
  const calls: string[] = [];
  let output = '';
  const run = async (command: string, args: readonly string[]) => {
    calls.push([command, ...args].join(' '));
    if (args[0] === 'sst' && args[1] === 'deploy') return 0;
    const inner = args.slice(args.indexOf('--') + 1);
    expect(args.slice(0, 4)).toEqual(['sst', 'shell', '--stage', 'production']);
    // Not spawnSync: the stack's emulators answer from this process's event loop.
    return execFileAsync(inner[0]!, inner.slice(1), {
      timeout: 60_000,
      env: { ...process.env, DATA_DIR: stack.dataDir, CONTENT_DIR: contentDir },
    }).then(
      (done) => {
        output += done.stdout + done.stderr;
        return 0;
      },
      (error: { code: number; stdout: string; stderr: string }) => {
        output += error.stdout + error.stderr;
        return error.code;
      },
    );
  };
  return { run, calls, output: () => output };
}

describe('npm run deploy', () => {
  it('stops before sst deploy when a content/ file takes a workspace article’s slug', async () => {
    const shell = recordingShell();
    const said: string[] = [];
    const { stage, rest } = parseDeployArgs(['--stage', 'production']);
    const code = await deployStage(stage, rest, shell.run, (line) => said.push(line));
    expect(code).toBe(1);
    expect(shell.output()).toContain(
      'content/harbour-report.md vs the workspace article harbour-report (published',
    );
    expect(said.join('\n')).toContain('Not deployed: the slug check on stage production failed');
    expect(shell.calls).toEqual(['npx sst shell --stage production -- npx tsx cli/check-slugs.ts']);
  }, 90_000);

  it('deploys, after the check, once the file is renamed', async () => {
    await rename(join(contentDir, 'harbour-report.md'), join(contentDir, 'harbour-report-2.md'));
    const shell = recordingShell();
    const { stage, rest } = parseDeployArgs(['--stage=production', '--print-logs']);
    expect(await deployStage(stage, rest, shell.run, () => {})).toBe(0);
    expect(shell.output()).toContain('No content/ file takes a workspace article’s slug.');
    expect(shell.calls).toEqual([
      'npx sst shell --stage production -- npx tsx cli/check-slugs.ts',
      'npx sst deploy --stage production --print-logs',
    ]);
  }, 90_000);

  it('names the stage it needs, and runs nothing without one', async () => {
    const shell = recordingShell();
    const said: string[] = [];
    expect(await deployStage(undefined, [], shell.run, (line) => said.push(line))).toBe(2);
    expect(await deployStage('local', [], shell.run, (line) => said.push(line))).toBe(2);
    expect(said[0]).toContain('--stage <name>');
    expect(shell.calls).toEqual([]);
  });

  it('lets a stage’s first deploy through: sst shell knows no table for it yet', async () => {
    const { stdout } = await execFileAsync('npx', ['tsx', 'cli/check-slugs.ts'], {
      timeout: 60_000,
      env: {
        ...process.env,
        CONTENT_DIR: contentDir,
        SST_RESOURCE_App: JSON.stringify({ name: 'dispatch', stage: 'fresh' }),
      },
    });
    expect(stdout).toContain('Stage fresh has no table yet');
  }, 60_000);
});
