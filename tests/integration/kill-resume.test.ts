import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MjmlIssueRenderer } from '../../functions/adapters/mjml/mjml-renderer.js';
import { buildDeliveryDeps, parseConfig } from '../../functions/config.js';
import {
  createArticleIssue,
  issueReport,
  sendIssueNow,
} from '../../functions/core/issues/manage-issues.js';
import { startSesGateway, type SesGateway } from '../../local/ses-gateway.js';
import type { LocalStack } from '../../local/stack.js';
import { aSubscriber } from '../support/builders.js';
import { seedReaders, startTestStack } from '../support/stack.js';

const RECIPIENTS = 5000;
/** Sends in flight per worker: each kill may leave one unknown per lane, never more. */
const LANES = 4;
let stack: LocalStack;
let ses: SesGateway;

beforeAll(async () => {
  stack = await startTestStack();
  // A fast SES that only counts what it accepts, so the test measures the pipeline, not parsing.
  ses = await startSesGateway({ port: 0, maxSendRate: 100_000 });
});
afterAll(async () => {
  await ses?.close();
  await stack?.close();
});

/** `npm run issue -- send <id>` as one process (no tsx wrapper), so SIGKILL kills the worker itself. */
/** Workers killed mid-send before the one that is left to finish the issue. */
const KILLS = 10;

function worker(issueId: string) {
  const env = {
    ...process.env,
    ...stack.env,
    DATA_DIR: stack.dataDir,
    AWS_ENDPOINT_URL_SES: ses.url,
    OUTBOX_DIR: '',
    SEND_RATE: '5000',
    SEND_LEASE_SECONDS: '2',
    SEND_LANES: String(LANES),
  };
  return spawn(process.execPath, ['--import', 'tsx', 'cli/issue.ts', 'send', issueId], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

describe('a worker killed again and again', () => {
  it(`sends none of ${RECIPIENTS} recipients twice; each is sent or listed as ambiguous, at most one per lane per kill (${LANES} lanes)`, async () => {
    const readers = await seedReaders(stack, RECIPIENTS, (i) =>
      aSubscriber({ topics: ['economy'], email: `kill.${i}@example.com` }),
    );
    const deps = await buildDeliveryDeps(
      parseConfig(process.env),
      new MjmlIssueRenderer('templates'),
    );
    const issue = await createArticleIssue(deps, {
      article: 'nato-western-balkans-stability',
      topics: ['economy'],
    });
    await sendIssueNow(deps, issue.id);

    const acceptedSoFar = () => [...ses.accepted.values()].reduce((a, b) => a + b, 0);
    let kills = 0;
    // KILLS lives are killed somewhere in their sending, then one more finishes the issue.
    for (let run = 0; run <= KILLS; run++) {
      const child = worker(issue.id);
      let output = '';
      child.stdout.on('data', (d) => (output += d));
      child.stderr.on('data', (d) => (output += d));
      const exited = once(child, 'exit');
      // A random moment after SES first hears from this life, not a fixed time after its start:
      // starting a process (and waiting out the dead one's leases) takes longer on a loaded machine.
      const before = acceptedSoFar();
      let timer: NodeJS.Timeout | undefined;
      const watch = setInterval(() => {
        if (timer || run === KILLS || acceptedSoFar() === before) return;
        timer = setTimeout(() => {
          if (child.exitCode !== null) return;
          kills++;
          child.kill('SIGKILL');
        }, Math.random() * 1500);
      }, 20);
      const [code] = await exited;
      clearInterval(watch);
      clearTimeout(timer);
      if (code === 0) break;
      if (code !== null) throw new Error(`worker failed (${code}):\n${output}`);
    }

    const report = await issueReport(deps, issue.id);
    expect(report.issue.state).toBe('sent');
    expect(kills).toBeGreaterThan(2);
    const twice = readers.filter((r) => (ses.accepted.get(r.email) ?? 0) > 1);
    expect(twice).toEqual([]);
    const ambiguous = new Set(report.ambiguous);
    const unsent = readers.filter((r) => !ses.accepted.has(r.email));
    expect(unsent.filter((r) => !ambiguous.has(r.id))).toEqual([]);
    expect(ambiguous.size).toBeLessThanOrEqual(LANES * kills);
    expect(report.counts.sent + report.counts.ambiguous).toBe(RECIPIENTS);
    console.log(
      `kill test: ${kills} kills, ${ambiguous.size} ambiguous (${unsent.length} never reached SES), ${report.counts.sent} sent`,
    );
  }, 480_000); // ~2 min on a quiet 2-core machine; room for a loaded one
});
