import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MjmlIssueRenderer } from '../../functions/adapters/mjml/mjml-renderer.js';
import { buildDeliveryDeps, parseConfig } from '../../functions/config.js';
import { runWorker } from '../../functions/core/delivery/worker.js';
import { processedOf } from '../../functions/core/issues/issue.js';
import {
  createArticleIssue,
  issueReport,
  pauseIssue,
  resumeIssue,
  sendIssueNow,
} from '../../functions/core/issues/manage-issues.js';
import { type MailFailure, MailFailureKinds } from '../../functions/core/ports.js';
import type { LocalStack } from '../../local/stack.js';
import { aSubscriber } from '../support/builders.js';
import { seedReaders, startTestStack } from '../support/stack.js';

const SLUG = 'nato-western-balkans-stability';
let stack: LocalStack;
let deps: Awaited<ReturnType<typeof buildDeliveryDeps>>;

beforeAll(async () => {
  // SES's rate limit out of the way (faults are injected instead); pacing as configured below.
  stack = await startTestStack({
    LOCAL_SES_MAX_SEND_RATE: '100000',
    SEND_RATE: '5000',
    SEND_WORKERS: '8',
  });
  deps = await buildDeliveryDeps(parseConfig(process.env), new MjmlIssueRenderer('templates'));
});
afterAll(async () => stack?.close());

/** A fresh audience per test: a topic no one else has. */
async function audience(
  count: number,
  topic: string,
  make = (i: number) => aSubscriber({ topics: [topic], email: `${topic}.${i}@example.com` }),
) {
  return seedReaders(stack, count, make);
}

async function issueFor(topic: string) {
  const issue = await createArticleIssue(deps, { article: SLUG, topics: [topic] });
  await sendIssueNow(deps, issue.id);
  return issue.id;
}

describe('the send pipeline against the SES emulator', () => {
  it('delivers at most one email to each of 2,000 recipients while 30 % of SES calls are throttled and some fail with a 5xx; a 5xx is ambiguous, never resent', async () => {
    const readers = await audience(2000, 'security');
    const id = await issueFor('security');
    // A 500 proves nothing about the message (SES may have taken it): those readers are listed
    // ambiguous and never resent. The gateway's 500 comes before SES, so here none received it.
    // So does an answer that never came (a timeout on a loaded machine): both are `unknown`.
    let serverErrors = 0;
    let unproven = 0;
    const send = deps.mailer.send;
    deps.mailer.send = (message) =>
      send.call(deps.mailer, message).catch((error: MailFailure) => {
        const status = (error.cause as { $metadata?: { httpStatusCode?: number } })?.$metadata
          ?.httpStatusCode;
        if (status !== undefined && status >= 500) serverErrors++;
        if (error.kind === MailFailureKinds.unknown) unproven++;
        throw error;
      });
    stack.sesGateway!.setFaults({ throttle: 0.3, serverError: 0.05 });
    let sentByWorkers = 0;
    try {
      const results = await Promise.all(
        [1, 2, 3, 4, 5, 6, 7, 8].map((n) =>
          runWorker(deps, { issueId: id, workerId: `fault-${n}` }),
        ),
      );
      sentByWorkers = results.reduce((sum, r) => sum + r.sent, 0);
    } finally {
      stack.sesGateway!.setFaults({});
      deps.mailer.send = send;
    }
    const accepted = stack.sesGateway!.accepted;
    const report = await issueReport(deps, id);
    const ambiguous = new Set(report.ambiguous);
    expect(report.issue.state).toBe('sent');
    expect(serverErrors).toBeGreaterThan(0);
    expect(readers.filter((r) => (accepted.get(r.email) ?? 0) > 1)).toEqual([]);
    expect(readers.filter((r) => !accepted.get(r.email) && !ambiguous.has(r.id))).toEqual([]);
    expect(ambiguous.size).toBeLessThanOrEqual(unproven);
    const received = readers.filter((r) => accepted.get(r.email) === 1).length;
    expect({ ...report.counts, sentByWorkers }).toEqual({
      sent: received,
      skipped: 0,
      failed: 0,
      suppressed: 0,
      ambiguous: ambiguous.size,
      sentByWorkers: received,
    });
    expect(received + ambiguous.size).toBe(2000);
  }, 120_000);

  it('pauses and resumes mid-send with the counts adding up, and cancels with nothing more sent', async () => {
    deps.pacing.fixedRate = 400;
    const readers = await audience(600, 'economy');
    const id = await issueFor('economy');
    const worker = runWorker(deps, { issueId: id });
    await new Promise((r) => setTimeout(r, 400));
    await pauseIssue(deps, id);
    await worker;
    const paused = await issueReport(deps, id);
    const sentWhilePaused = readers.filter((r) => stack.sesGateway!.accepted.has(r.email)).length;
    expect(paused.issue.state).toBe('paused');
    expect(sentWhilePaused).toBeGreaterThan(0);
    expect(sentWhilePaused).toBeLessThan(600);
    expect(processedOf(paused.counts) + paused.remaining).toBe(600);

    await resumeIssue(deps, id);
    await runWorker(deps, { issueId: id });
    const done = await issueReport(deps, id);
    expect(done.issue.state).toBe('sent');
    expect(done.counts.sent).toBe(600);
    expect(readers.every((r) => stack.sesGateway!.accepted.get(r.email) === 1)).toBe(true);

    const others = await audience(400, 'politics');
    const cancelId = await issueFor('politics');
    const cancelWorker = runWorker(deps, { issueId: cancelId });
    await new Promise((r) => setTimeout(r, 300));
    const { cancelIssue } = await import('../../functions/core/issues/manage-issues.js');
    await cancelIssue(deps, cancelId);
    await cancelWorker;
    const sentAtCancel = others.filter((r) => stack.sesGateway!.accepted.has(r.email)).length;
    await runWorker(deps); // nothing is left sending
    expect(others.filter((r) => stack.sesGateway!.accepted.has(r.email)).length).toBe(sentAtCancel);
    const cancelled = await issueReport(deps, cancelId);
    expect(cancelled.issue.state).toBe('cancelled');
    expect(cancelled.counts.sent + cancelled.remaining).toBe(400);
    deps.pacing.fixedRate = 5000;
  }, 60_000);

  it('suppresses the mailbox simulator’s bounce and complaint addresses through SES events; the next issue skips them', async () => {
    const topic = 'security';
    const bounce = aSubscriber({
      topics: [topic],
      email: 'bounce+pipeline@simulator.amazonses.com',
    });
    const complaint = aSubscriber({
      topics: [topic],
      email: 'complaint+pipeline@simulator.amazonses.com',
    });
    const success = aSubscriber({
      topics: [topic],
      email: 'success+pipeline@simulator.amazonses.com',
    });
    for (const s of [bounce, complaint, success]) await stack.deps.subscribers.create(s);
    const first = await createArticleIssue(deps, {
      article: SLUG,
      topics: [topic],
      id: 'simulator-first',
    });
    await sendIssueNow(deps, first.id);
    await runWorker(deps, { issueId: first.id });
    await stack.sesGateway!.settled();

    expect(await deps.subscribers.get(bounce.id)).toMatchObject({ state: 'bounced' });
    expect(await deps.subscribers.get(complaint.id)).toMatchObject({ state: 'complained' });
    expect(await deps.subscribers.get(success.id)).toMatchObject({ state: 'confirmed' });
    expect(await deps.suppressions.isSuppressed(bounce.email)).toBe(true);
    expect(await deps.issues.engagement(first.id)).toMatchObject({ bounced: 1, complained: 1 });
    expect((await deps.issues.engagement(first.id)).delivered).toBeGreaterThanOrEqual(2);

    // The next issue's audience no longer holds them: they are not even read, let alone mailed.
    const before = new Map(stack.sesGateway!.accepted);
    const second = await createArticleIssue(deps, {
      article: SLUG,
      topics: [topic],
      id: 'simulator-second',
    });
    const started = (await sendIssueNow(deps, second.id)).issue;
    const firstReport = await issueReport(deps, first.id);
    expect(started.total).toBe(firstReport.issue.total! - 2);
    await runWorker(deps, { issueId: second.id });
    expect(stack.sesGateway!.accepted.get(bounce.email)).toBe(before.get(bounce.email));
    expect(stack.sesGateway!.accepted.get(complaint.email)).toBe(before.get(complaint.email));
  }, 60_000);
});
