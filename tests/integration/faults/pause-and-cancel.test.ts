/**
 * Row 3 of issue 12: an editor pauses, or cancels, a small issue (67 readers) once a few are
 * sent. No send may start more than a second after the pause or cancel was answered, whatever
 * the issue's size, and the report must count exactly what SES received.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runWorker } from '../../../functions/core/delivery/worker.js';
import { processedOf } from '../../../functions/core/issues/issue.js';
import {
  cancelIssue,
  issueReport,
  pauseIssue,
  resumeIssue,
} from '../../../functions/core/issues/manage-issues.js';
import type { Subscriber } from '../../../functions/core/subscribers/subscriber.js';
import type { FaultProxy } from '../../support/fault-proxy.js';
import {
  audience,
  breaches,
  NO_BREACH,
  received,
  startFaultStack,
  startIssue,
  within,
  type FaultStack,
} from './harness.js';

const READERS = 67;
const SENT_BEFORE_STOP = 4;
/** What "takes effect within one second" allows, from the moment the editor was answered. */
const EFFECT_MS = 1_000;
let faults: FaultStack;

beforeAll(async () => {
  faults = await startFaultStack(3);
});
afterAll(async () => faults?.close());

/** Resolves once SES has answered `count` sends made after request number `from`. */
async function sendsAnswered(proxy: FaultProxy, from: number, count: number) {
  const deadline = Date.now() + 20_000;
  while (
    proxy.requests.slice(from).filter((r) => r.operation === 'SendRawEmail' && r.status === 200)
      .length < count
  ) {
    if (Date.now() > deadline) throw new Error(`SES did not get ${count} sends in 20 s`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Sends that reached SES later than the stop allows, and how late the last one was. */
function lateSends(proxy: FaultProxy, from: number, stoppedAt: number) {
  const late = proxy.requests
    .slice(from)
    .filter((r) => r.operation === 'SendRawEmail' && r.receivedAt > stoppedAt + EFFECT_MS);
  return {
    count: late.length,
    lastMsAfterStop: late.length ? late.at(-1)!.receivedAt - stoppedAt : 0,
  };
}

async function inboxCountOf(readers: Subscriber[]) {
  const inbox = await received(faults.stack);
  return readers.filter((r) => inbox.has(r.email)).length;
}

describe(`an editor stops an issue of ${READERS} readers after ${SENT_BEFORE_STOP} were sent`, () => {
  it('pauses: no send starts a second after the pause, the counts are what SES received, and a resume sends the rest once', async () => {
    const readers = await audience(faults.stack, READERS, 'economy');
    const id = await startIssue(faults, 'economy', 'fault-pause');
    const from = faults.ses.requests.length;
    const worker = runWorker(faults.deps, { issueId: id });
    await sendsAnswered(faults.ses, from, SENT_BEFORE_STOP);
    await pauseIssue(faults.deps, id);
    const pausedAt = Date.now();
    expect(await within(worker, 30_000)).not.toBe('timed out');

    const late = lateSends(faults.ses, from, pausedAt);
    const paused = await issueReport(faults.deps, id);
    const inInbox = await inboxCountOf(readers);
    console.log(
      `pause: ${inInbox} of ${READERS} in SES's inbox, ${late.count} sent over ${EFFECT_MS} ms after the pause (last ${late.lastMsAfterStop} ms), report ${JSON.stringify(paused.counts)}`,
    );
    expect(paused.issue.state).toBe('paused');
    expect({ late: late.count, reportedSent: paused.counts.sent }).toEqual({
      late: 0,
      reportedSent: inInbox,
    });
    expect(processedOf(paused.counts) + paused.remaining).toBe(READERS);

    await resumeIssue(faults.deps, id);
    expect(await within(runWorker(faults.deps, { issueId: id }), 30_000)).not.toBe('timed out');
    const done = await issueReport(faults.deps, id);
    expect(done.issue.state).toBe('sent');
    expect(await breaches(faults.stack, readers, done, 0)).toEqual(NO_BREACH);
    expect(done.counts.sent).toBe(READERS);
  }, 90_000);

  it('cancels: no send starts a second after the cancel, none after it, and the counts are what SES received', async () => {
    const readers = await audience(faults.stack, READERS, 'security');
    const id = await startIssue(faults, 'security', 'fault-cancel');
    const from = faults.ses.requests.length;
    const worker = runWorker(faults.deps, { issueId: id });
    await sendsAnswered(faults.ses, from, SENT_BEFORE_STOP);
    await cancelIssue(faults.deps, id);
    const cancelledAt = Date.now();
    expect(await within(worker, 30_000)).not.toBe('timed out');
    // Nothing is left sending: another worker run sends nothing more.
    expect(await within(runWorker(faults.deps), 30_000)).not.toBe('timed out');

    const late = lateSends(faults.ses, from, cancelledAt);
    const cancelled = await issueReport(faults.deps, id);
    const inInbox = await inboxCountOf(readers);
    console.log(
      `cancel: ${inInbox} of ${READERS} in SES's inbox, ${late.count} sent over ${EFFECT_MS} ms after the cancel (last ${late.lastMsAfterStop} ms), report ${JSON.stringify(cancelled.counts)}`,
    );
    expect(cancelled.issue.state).toBe('cancelled');
    expect({ late: late.count, reportedSent: cancelled.counts.sent }).toEqual({
      late: 0,
      reportedSent: inInbox,
    });
    expect(await breaches(faults.stack, readers, cancelled, 0)).toMatchObject({ duplicated: 0 });
  }, 90_000);
});
