/**
 * The CLI as an editor runs it, pointed at the local stack or at a stage. Nothing here reaches
 * AWS: a stage is the environment `sst shell --stage production` would give (its SST_RESOURCE_*
 * variables), and every run against it is one the CLI refuses before connecting anywhere, or the
 * stage path's own steps run on the local stack (queue the issue for the fleet, watch it).
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { editorDeps } from '../../cli/bootstrap.js';
import { queueForFleet, watchIssue } from '../../cli/foreground.js';
import {
  createArticleIssue,
  issueReport,
  sendIssueNow,
} from '../../functions/core/issues/manage-issues.js';
import { newSegment } from '../../functions/core/segments/segment.js';
import type { LocalStack } from '../../local/stack.js';
import { aSubscriber } from '../support/builders.js';
import { quietLogger } from '../support/logger.js';
import { emailsTo, seedReaders, startTestStack } from '../support/stack.js';

const SLUG = 'nato-western-balkans-stability';
const ROOT = resolve('.');
const QUEUE = 'https://sqs.eu-west-1.amazonaws.com/123456789012/dispatch-production-ShardWork';

/** `sst shell --stage production`'s variables for this app (cli/target.ts reads them). */
const sstShell = {
  SST_RESOURCE_App: JSON.stringify({ name: 'dispatch', stage: 'production' }),
  SST_RESOURCE_Table: JSON.stringify({ type: 'sst.aws.Dynamo', name: 'dispatch-production-Table' }),
  SST_RESOURCE_Api: JSON.stringify({
    type: 'sst.aws.ApiGatewayV2',
    url: 'https://news.example.com',
  }),
  SST_RESOURCE_ShardWork: JSON.stringify({ type: 'sst.aws.Queue', url: QUEUE }),
  SST_RESOURCE_SigningSecret: JSON.stringify({
    type: 'sst.sst.Secret',
    value: 'the-production-secret-of-at-least-32-chars',
  }),
  SST_RESOURCE_SuppressionSecret: JSON.stringify({
    type: 'sst.sst.Secret',
    value: 'the-production-suppression-secret-of-32-chars',
  }),
  DISPATCH_DOMAIN: 'news.example.com',
  DISPATCH_POSTAL_ADDRESS: '1 Example Street, 10000 Example City',
};

/** A terminal's environment: only what a shell has, plus what the test gives. */
const terminal = (extra: Record<string, string | undefined>) => ({
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  USER: 'ops-ana',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  ...extra,
});

/** `npm run <script> -- …`, from `cwd` (the checkout, unless a test needs another). */
function run(script: string, args: string[], env: NodeJS.ProcessEnv, cwd = ROOT) {
  const child = spawn(join(ROOT, 'node_modules/.bin/tsx'), [join(ROOT, script), ...args], {
    cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((done) =>
    child.on('exit', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    }),
  );
}

let stack: LocalStack;
beforeAll(async () => {
  stack = await startTestStack({}, { fleet: true, logger: quietLogger() });
});
afterAll(async () => {
  await stack?.close();
});

describe('the CLI against the local stack', () => {
  it('finds it through .data/local-stack.json alone, with or without --stage local', async () => {
    const env = terminal({ DATA_DIR: stack.dataDir });
    const created = await run(
      'cli/issue.ts',
      ['create', '--article', SLUG, '--id', 'cli-local'],
      env,
    );
    expect(created).toMatchObject({ code: 0, stdout: expect.stringMatching(/Created cli-local/) });
    const listed = await run('cli/issue.ts', ['list', '--state', 'draft', '--stage', 'local'], env);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^draft\s+cli-local\s/m);
    // Not sending: the watch ends at once, with the report.
    const watched = await run('cli/issue.ts', ['watch', 'cli-local'], env);
    expect(watched).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^cli-local: draft\n/),
    });
  }, 120_000);

  it('refuses to start a digest whose segment reaches none of its readers, with the count, 0', async () => {
    const nobody = newSegment(
      {
        name: 'Atlantis',
        match: 'all',
        rules: [{ kind: 'field', key: 'city', op: 'equals', value: 'Atlantis' }],
      },
      new Date(),
    );
    await stack.deps.segments.create(nobody);
    // Set while it had readers (straight to the store, past the check); an article is new this week.
    await stack.deps.segments.setDigestSegment('weekly', nobody.id);
    await stack.deps.publications.markPublished(SLUG, new Date(Date.now() - 60_000));
    const result = await run(
      'cli/issue.ts',
      ['digest', 'weekly'],
      terminal({ DATA_DIR: stack.dataDir }),
    );
    expect(result).toMatchObject({ code: 1, stdout: '' });
    expect(result.stderr).toMatch(
      /^The segment "Atlantis" matches no reader of this audience \(count: 0\); nothing would be sent\./,
    );
    const weekly = (await stack.deps.issues.listByState('sending')).filter((i) =>
      i.id.startsWith('digest-weekly-'),
    );
    expect(weekly).toEqual([]);
    await stack.deps.segments.setDigestSegment('weekly', undefined);
  }, 60_000);

  it('refuses to run when there is no local stack, rather than reach AWS with local defaults', async () => {
    const env = terminal({
      DATA_DIR: await mkdtemp(join(tmpdir(), 'cli-none-')),
      TABLE_NAME: 'dispatch-production-Table',
    });
    const result = await run('cli/issue.ts', ['list'], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /target is the local stack, but there is none .* no AWS_ENDPOINT_URL_DYNAMODB or AWS_ENDPOINT_URL_SES: the SDK would reach AWS\. Start the local stack with `npm start`/,
    );
  }, 60_000);
});

describe('the CLI against a stage', () => {
  it("refuses the local stack's values left in the shell, naming each, and writes nothing", async () => {
    // A terminal that ran `npm start` (or loaded its settings), then `sst shell --stage production`.
    const env = terminal({ ...stack.env, DATA_DIR: stack.dataDir, ...sstShell });
    const result = await run(
      'cli/issue.ts',
      ['create', '--article', SLUG, '--id', 'cli-mixed'],
      env,
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^Refusing to run against stage production/);
    for (const name of [
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
      'AWS_ENDPOINT_URL_DYNAMODB',
      'AWS_ENDPOINT_URL_SES',
      'BASE_URL',
      'TABLE_NAME',
      'SIGNING_SECRET',
      'OUTBOX_DIR',
    ])
      expect(result.stderr).toMatch(new RegExp(`^  ${name}: `, 'm'));
    expect(result.stderr).not.toContain(stack.env.SIGNING_SECRET);
    expect(await stack.deps.issues.get('cli-mixed')).toBeUndefined();
  }, 60_000);

  it('refuses what would send from this machine: a worker, the outbox drain, --workers', async () => {
    const env = terminal({ DATA_DIR: await mkdtemp(join(tmpdir(), 'cli-stage-')), ...sstShell });
    const cases: [string, string[], RegExp][] = [
      ['cli/issue.ts', ['worker'], /A worker would send from this machine/],
      ['cli/outbox.ts', ['drain'], /`outbox drain` would send from this machine/],
      ['cli/send.ts', [SLUG, '--workers', '4'], /--workers is for the local stack/],
      ['cli/issue.ts', ['send', 'x', '--workers', '2'], /--workers is for the local stack/],
    ];
    for (const [script, args, message] of cases) {
      const result = await run(script, args, env);
      expect({ script, args, code: result.code }).toEqual({ script, args, code: 1 });
      expect(result.stderr).toMatch(message);
      expect(result.stderr).toMatch(/Stage production \(values from sst shell\)/);
    }
  }, 120_000);

  it('refuses --stage local inside sst shell, and a stage whose values are not at hand', async () => {
    const inShell = await run(
      'cli/keys.ts',
      ['list', '--stage', 'local'],
      terminal({ DATA_DIR: stack.dataDir, ...sstShell }),
    );
    expect(inShell.code).toBe(1);
    expect(inShell.stderr).toMatch(/`sst shell --stage production`, but --stage says local/);

    // Outside sst shell, from a checkout whose last deploy was another stage's.
    const checkout = await mkdtemp(join(tmpdir(), 'cli-checkout-'));
    const env = terminal({ DATA_DIR: join(checkout, '.data') });
    const none = await run('cli/keys.ts', ['list', '--stage', 'production'], env, checkout);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(
      /No values for stage production: run the command through `npx sst shell --stage production -- npm run …`/,
    );
    await mkdir(join(checkout, '.sst'));
    await writeFile(
      join(checkout, '.sst/outputs.json'),
      JSON.stringify({ stage: 'dev', table: 'dispatch-dev-Table', url: 'https://dev.example.com' }),
    );
    const other = await run('cli/keys.ts', ['list', '--stage', 'production'], env, checkout);
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(/\.sst\/outputs\.json is stage dev's, not production's/);
  }, 120_000);
});

describe("a stage's send, as the CLI does it there", () => {
  it('queues the shards for the fleet and watches; this process sends nothing', async () => {
    const readers = await seedReaders(stack, 30, (i) =>
      aSubscriber({ email: `fleet-watch-${i}@example.org`, topics: ['security'] }),
    );
    // The CLI's dependencies on a stage (here on the local stack's endpoints): no mailer.
    const deps = await editorDeps({ kind: 'stage', stage: 'production', from: 'sst shell' });
    await expect(deps.mailer.send({} as Parameters<typeof deps.mailer.send>[0])).rejects.toThrow(
      /does not send on stage production/,
    );
    const issue = await createArticleIssue(deps, {
      article: SLUG,
      id: 'cli-fleet',
      topics: ['security'],
    });
    await sendIssueNow(deps, issue.id);
    expect(await queueForFleet(deps, issue.id)).toBeGreaterThan(0);
    const watched = await watchIssue(deps, issue.id, 100);
    expect(watched.issue.state).toBe('sent');
    const report = await issueReport(deps, issue.id);
    expect(report.counts.sent).toBeGreaterThanOrEqual(readers.length);
    expect(await emailsTo(stack.sesEndpoint, readers[0]!.email)).toHaveLength(1);
  }, 120_000);
});
