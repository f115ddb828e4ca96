/**
 * Row 4 of issue 12: SES, or DynamoDB, accepts the connection and never answers. The worker must
 * not wait for ever: given 40 s, it has returned; a hung SES send is one ambiguous reader (SES
 * may have the message), a hung claim is retried and sent, and everyone else is sent once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runWorker } from '../../../functions/core/delivery/worker.js';
import { issueReport } from '../../../functions/core/issues/manage-issues.js';
import { subscriberIdFor } from '../../../functions/core/subscribers/subscriber.js';
import { isLedgerClaim, type FaultProxy, type ProxiedRequest } from '../../support/fault-proxy.js';
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

const READERS = 40;
/**
 * How long the worker is given: every AWS call's timeout (SES's 10 s, DynamoDB's 5 s and a retry)
 * must fit in it with room for a loaded 2-core machine; a worker that waits for ever never does.
 */
const BOUND_MS = 40_000;
let faults: FaultStack;

beforeAll(async () => {
  faults = await startFaultStack(4);
});
afterAll(async () => faults?.close());

/** Runs a worker for the issue, bounded; whatever happens, nothing stays held into the next test. */
async function boundedWorker(proxy: FaultProxy, issueId: string) {
  const worker = runWorker(faults.deps, { issueId });
  const outcome = await within(worker, BOUND_MS);
  proxy.dropHeld();
  if (outcome === 'timed out') await within(worker, BOUND_MS);
  return outcome;
}

const recipientOf = (r: ProxiedRequest) =>
  /^To: *(?:.*<)?([^\s<>]+@[^\s<>]+)/m
    .exec(Buffer.from(r.params?.get('RawMessage.Data') ?? '', 'base64').toString('utf8'))?.[1]
    ?.toLowerCase();

describe('a service that takes the connection and never answers', () => {
  it('SES: the worker returns, the hung reader is listed ambiguous, the rest are sent once', async () => {
    const readers = await audience(faults.stack, READERS, 'economy');
    const id = await startIssue(faults, 'economy', 'fault-ses-hang');
    let hung: string | undefined;
    faults.ses.setPolicy((r) => {
      if (r.operation !== 'SendRawEmail' || hung) return { kind: 'pass' };
      if (r.nth < 10) return { kind: 'pass' };
      hung = recipientOf(r);
      return { kind: 'hang', forward: true };
    });
    const outcome = await boundedWorker(faults.ses, id);
    faults.ses.setPolicy(() => ({ kind: 'pass' }));

    const report = await issueReport(faults.deps, id);
    console.log(
      `ses hang: worker ${outcome === 'timed out' ? `still waiting after ${BOUND_MS} ms` : 'returned'}, hung ${hung}, report ${JSON.stringify(report.counts)}`,
    );
    expect(hung).toBeDefined();
    expect(outcome).not.toBe('timed out');
    expect(report.ambiguous).toEqual([subscriberIdFor(hung!)]);
    expect(await breaches(faults.stack, readers, report, 1)).toEqual(NO_BREACH);
    expect(report.counts.sent).toBe(READERS - 1);
  }, 150_000);

  it('DynamoDB: the worker returns, and the reader whose claim hung is sent once like everyone else', async () => {
    const readers = await audience(faults.stack, READERS, 'politics');
    const id = await startIssue(faults, 'politics', 'fault-dynamo-hang');
    let claims = 0;
    faults.dynamodb.setPolicy((r) => {
      if (!isLedgerClaim(r)) return { kind: 'pass' };
      // The write is applied, its answer never comes.
      return ++claims === 10 ? { kind: 'hang', forward: true } : { kind: 'pass' };
    });
    const outcome = await boundedWorker(faults.dynamodb, id);
    faults.dynamodb.setPolicy(() => ({ kind: 'pass' }));

    const report = await issueReport(faults.deps, id);
    console.log(
      `dynamodb hang: worker ${outcome === 'timed out' ? `still waiting after ${BOUND_MS} ms` : 'returned'}, report ${JSON.stringify(report.counts)}`,
    );
    expect(claims).toBeGreaterThanOrEqual(10);
    expect(outcome).not.toBe('timed out');
    expect(await breaches(faults.stack, readers, report, 0)).toEqual(NO_BREACH);
    const inbox = await received(faults.stack);
    expect(readers.filter((r) => inbox.get(r.email) !== 1).length).toBe(0);
  }, 150_000);
});
