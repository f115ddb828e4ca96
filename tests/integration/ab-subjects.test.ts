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
import { runWorker } from '../../functions/core/delivery/worker.js';
import { resolveAmbiguous } from '../../functions/core/issues/ambiguous.js';
import { variantOf } from '../../functions/core/issues/ab-test.js';
import {
  createArticleIssue,
  issueReport,
  sendIssueNow,
} from '../../functions/core/issues/manage-issues.js';
import { subscriberIdFor } from '../../functions/core/subscribers/subscriber.js';
import { createApiKey } from '../../functions/core/access/api-keys.js';
import { createAdminApp } from '../../functions/http/admin/admin-app.js';
import { adminApi } from '../support/admin-api.js';
import { captureLogger } from '../support/logger.js';
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

    /** What the SES emulator received, by address: each message's subject. */
    const receivedBy = async () => {
      const { emails } = (await (await fetch(`${stack.sesEndpoint}/store`)).json()) as {
        emails: StoredEmail[];
      };
      const got = new Map<string, string[]>();
      for (const e of emails)
        for (const to of e.destination.to) {
          const address = to.replace(/^.*</, '').replace(/>$/, '').toLowerCase();
          got.set(address, [...(got.get(address) ?? []), e.subject]);
        }
      return got;
    };
    const wrongSubjects = (got: Map<string, string[]>) =>
      readers.filter((r) => {
        const subject = got.get(r.email)?.[0];
        const v = variant(r.email) as 'a' | 'b' | undefined;
        return subject !== undefined && subject !== (v ? subjectOf[v] : subjectOf.b);
      });
    const got = await receivedBy();
    const ambiguous = new Set(report.ambiguous);
    const twice = readers.filter((r) => (got.get(r.email)?.length ?? 0) > 1);
    const lost = readers.filter((r) => !got.has(r.email) && !ambiguous.has(r.id));
    const wrongSubject = wrongSubjects(got);
    expect({ twice, lost, wrongSubject }).toEqual({ twice: [], lost: [], wrongSubject: [] });
    expect(sampleKills + restKills).toBe(2);
    expect(ambiguous.size).toBeLessThanOrEqual(LANES * 2);
    expect(report.counts.sent + report.counts.ambiguous).toBe(READERS);
    // The sample was about 20 % a variant; the rest (about 60 %) got the winner.
    const sample = readers.filter((r) => variant(r.email) !== undefined).length;
    expect(sample).toBeGreaterThan(READERS * 0.25);
    expect(sample).toBeLessThan(READERS * 0.55);

    // The editor settles each ambiguous reader from SES's log (here, the emulator's store): taken,
    // marked delivered; not, released and sent by the next run, with their own variant's subject
    // (or the winner's). Then every reader has exactly one message, and nobody is left ambiguous.
    for (const id of ambiguous) {
      const email = readers.find((r) => r.id === id)!.email;
      await resolveAmbiguous(
        deps,
        ID,
        id,
        got.has(email) ? 'delivered' : 'release',
        'checked against the SES log',
        'Ed',
      );
    }
    await runWorker(deps, { issueId: ID });
    const settled = await receivedBy();
    expect({
      notOnce: readers.filter((r) => settled.get(r.email)?.length !== 1).map((r) => r.email),
      wrongSubject: wrongSubjects(settled),
    }).toEqual({ notOnce: [], wrongSubject: [] });
    const final = await issueReport(deps, ID);
    expect(final.issue.state).toBe('sent');
    expect(final.ambiguous).toEqual([]);
    console.info(`A/B kill test: ${ambiguous.size} ambiguous reader(s) settled`);
  }, 240_000);
});

describe('A/B subjects through the admin API', () => {
  const call = adminApi(() => createAdminApp(stack.deps, { logger: captureLogger() }));
  const fieldsOf = async (response: Response) =>
    ((await response.json()) as { error: { issues?: { field: string }[] } }).error.issues?.map(
      (i) => i.field,
    );

  it('refuses bad settings with a 422 naming the field, sets a good one, and reports each variant', async () => {
    const { key } = await createApiKey(stack.deps, {
      name: 'Ed',
      email: 'ed@example.org',
      role: 'editor',
    });
    const create = (abTest: unknown) =>
      call('/issues', key, { article: 'nato-western-balkans-stability', abTest });
    const blank = await create({ ...TEST, variants: [{ subject: 'A' }, { subject: ' ' }] });
    expect(blank.status).toBe(422);
    expect(await fieldsOf(blank)).toEqual(['abTest.variants.1.subject']);
    const one = await create({ ...TEST, variants: [{ subject: 'A' }] });
    expect(await fieldsOf(one)).toEqual(['abTest.variants']);
    const tooMuch = await create({
      ...TEST,
      samplePercent: 25,
      variants: [1, 2, 3].map((n) => ({ subject: `S${n}` })),
    });
    expect(await fieldsOf(tooMuch)).toEqual(['abTest.samplePercent']);

    const made = await create(TEST);
    expect(made.status).toBe(201);
    const { issue } = (await made.json()) as { issue: { id: string; abTest: unknown } };
    expect(issue.abTest).toMatchObject({
      variants: [
        { id: 'a', subject: subjectOf.a },
        { id: 'b', subject: subjectOf.b },
      ],
      samplePercent: 20,
      metric: 'clicks',
    });
    // The test is set when the issue is made, like its segment.
    const edit = await call(`/issues/${issue.id}`, key, { abTest: TEST }, 'PATCH');
    expect(edit.status).toBe(422);
    expect(await fieldsOf(edit)).toEqual(['abTest']);

    // The sent issue's report (the test above): each variant's sends, and the rest's, add up.
    const report = (await (await call(`/issues/${ID}`, key)).json()) as {
      counts: { sent: number };
      abTest: { winner: { variant: string }; variants: { variant: string; sent: number }[] };
    };
    expect(report.abTest.winner.variant).toBe('b');
    expect(report.abTest.variants.map((v) => v.variant)).toEqual(['a', 'b', 'rest']);
    expect(report.abTest.variants.reduce((n, v) => n + v.sent, 0)).toBe(report.counts.sent);
  });
});
