/**
 * A/B subjects on the local stack (dynalite, the SES gateway and the emulator behind it): an
 * issue's sample sent two subjects by worker processes, one killed mid-way in each phase (4 lanes
 * each), the readers' clicks coming back through SES's events (the simulator's click@ readers for
 * one variant, a link scanner's clicks for the other), the winner chosen by the rule, and the rest
 * sent the winner. Judged on what the emulator received: nobody twice, every reader their
 * variant's subject or the winner's, nobody lost who is not listed ambiguous.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MjmlIssueRenderer } from '../../functions/adapters/mjml/mjml-renderer.js';
import { buildDeliveryDeps, parseConfig } from '../../functions/config.js';
import { sendDueWinners } from '../../functions/core/delivery/ab-phases.js';
import { variantOf } from '../../functions/core/issues/ab-test.js';
import {
  createArticleIssue,
  issueReport,
  sendIssueNow,
} from '../../functions/core/issues/manage-issues.js';
import { subscriberIdFor } from '../../functions/core/subscribers/subscriber.js';
import type { LocalStack } from '../../local/stack.js';
import { aSubscriber } from '../support/builders.js';
import { seedReaders, startTestStack, type StoredEmail } from '../support/stack.js';

const ID = 'ab-subjects-kill';
const READERS = 100;
const LANES = 4;
const TEST = {
  variants: [{ subject: 'Balkans: subject A' }, { subject: 'Balkans: subject B' }],
  samplePercent: 20,
  metric: 'clicks' as const,
  waitMinutes: 0,
};
const subjectOf = { a: TEST.variants[0]!.subject, b: TEST.variants[1]!.subject };
const test = {
  samplePercent: TEST.samplePercent,
  variants: [
    { id: 'a', subject: subjectOf.a },
    { id: 'b', subject: subjectOf.b },
  ],
};
const variant = (email: string) => variantOf(test, ID, subscriberIdFor(email))?.id;

/** B's readers click (a reader's click, a minute on); A's are a scanner's (bots'); the rest plain. */
function emailFor(i: number) {
  const clicker = `click+r${i}@simulator.amazonses.com`;
  if (variant(clicker) === 'b') return clicker;
  const scanner = `scanner+r${i}@simulator.amazonses.com`;
  if (variant(scanner) === 'a') return scanner;
  return `ab.r${i}@example.com`;
}

let stack: LocalStack;
beforeAll(async () => {
  stack = await startTestStack({ LOCAL_SES_MAX_SEND_RATE: '1000' });
}, 60_000);
afterAll(async () => stack?.close());

/** `npm run issue -- send <id>` as its own process, so SIGKILL kills the worker itself. */
function worker() {
  const env = {
    ...process.env,
    ...stack.env,
    DATA_DIR: stack.dataDir,
    OUTBOX_DIR: '',
    SEND_RATE: '25',
    SEND_LEASE_SECONDS: '2',
    SEND_LANES: String(LANES),
  };
  return spawn(process.execPath, ['--import', 'tsx', 'cli/issue.ts', 'send', ID], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

const acceptedSoFar = () => [...stack.sesGateway!.accepted.values()].reduce((a, b) => a + b, 0);

/** Lives of the worker until the issue leaves `sending`: the first killed once SES took 5 of its sends. */
async function sendKillingOnce(): Promise<number> {
  let kills = 0;
  for (let life = 0; life < 6; life++) {
    const child = worker();
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const exited = once(child, 'exit');
    const before = acceptedSoFar();
    const watch = setInterval(() => {
      if (life === 0 && child.exitCode === null && acceptedSoFar() - before >= 5) {
        kills++;
        child.kill('SIGKILL');
        clearInterval(watch);
      }
    }, 5);
    const [code] = await exited;
    clearInterval(watch);
    if (code !== 0 && code !== null) throw new Error(`worker failed (${code}):\n${output}`);
    if (code === 0) return kills;
  }
  throw new Error('the phase did not finish in 6 lives');
}

describe('an A/B issue with a worker killed in each phase', () => {
  it('sends every reader exactly one variant (or lists them ambiguous), the winner by clicks with bots excluded', async () => {
    const readers = await seedReaders(stack, READERS, (i) =>
      aSubscriber({ topics: ['economy'], email: emailFor(i) }),
    );
    const deps = await buildDeliveryDeps(
      parseConfig({ ...process.env, ...stack.env }),
      new MjmlIssueRenderer('templates'),
    );
    await createArticleIssue(deps, {
      id: ID,
      article: 'nato-western-balkans-stability',
      topics: ['economy'],
      abTest: TEST,
    });
    await sendIssueNow(deps, ID);

    const sampleKills = await sendKillingOnce();
    expect((await deps.issues.get(ID))?.state).toBe('testing');
    // Every open and click SES reported for the sample is counted before the rule reads them.
    await stack.sesGateway!.settled();
    const [decided] = await sendDueWinners(deps);
    expect(decided?.winner).toBe('b');
    const restKills = await sendKillingOnce();

    const report = await issueReport(deps, ID);
    expect(report.issue.state).toBe('sent');
    const figures = report.issue.abTest!.winner!.figures;
    // A's clicks were all the scanner's: none counted; B's readers clicked.
    expect(figures.find((f) => f.variant === 'a')).toMatchObject({ uniqueClicked: 0 });
    expect(figures.find((f) => f.variant === 'b')!.uniqueClicked).toBeGreaterThan(0);

    const { emails } = (await (await fetch(`${stack.sesEndpoint}/store`)).json()) as {
      emails: StoredEmail[];
    };
    const got = new Map<string, string[]>();
    for (const e of emails)
      for (const to of e.destination.to) {
        const address = to.replace(/^.*</, '').replace(/>$/, '').toLowerCase();
        got.set(address, [...(got.get(address) ?? []), e.subject]);
      }
    const ambiguous = new Set(report.ambiguous);
    const twice = readers.filter((r) => (got.get(r.email)?.length ?? 0) > 1);
    const lost = readers.filter((r) => !got.has(r.email) && !ambiguous.has(r.id));
    const wrongSubject = readers.filter((r) => {
      const subject = got.get(r.email)?.[0];
      const v = variant(r.email) as 'a' | 'b' | undefined;
      return subject !== undefined && subject !== (v ? subjectOf[v] : subjectOf.b);
    });
    expect({ twice, lost, wrongSubject }).toEqual({ twice: [], lost: [], wrongSubject: [] });
    expect(sampleKills + restKills).toBe(2);
    expect(ambiguous.size).toBeLessThanOrEqual(LANES * 2);
    expect(report.counts.sent + report.counts.ambiguous).toBe(READERS);
    // The sample was about 20 % a variant; the rest (about 60 %) got the winner.
    const sample = readers.filter((r) => variant(r.email) !== undefined).length;
    expect(sample).toBeGreaterThan(READERS * 0.25);
    expect(sample).toBeLessThan(READERS * 0.55);
  }, 240_000);
});
