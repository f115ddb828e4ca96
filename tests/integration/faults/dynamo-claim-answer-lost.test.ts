/**
 * Row 2 of issue 12: DynamoDB applies a recipient's claim and the answer is lost (a 500 after
 * the write, or the connection dropped). The SDK retries, and the retry fails its condition on
 * the claim it just made. SES was never called: the reader must still be sent, exactly once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runWorker } from '../../../functions/core/delivery/worker.js';
import { issueReport } from '../../../functions/core/issues/manage-issues.js';
import { isLedgerClaim } from '../../support/fault-proxy.js';
import {
  audience,
  breaches,
  NO_BREACH,
  received,
  startFaultStack,
  startIssue,
  type FaultStack,
} from './harness.js';

const READERS = 150;
let faults: FaultStack;

beforeAll(async () => {
  faults = await startFaultStack(21);
});
afterAll(async () => faults?.close());

describe('DynamoDB applies a claim and its answer is lost', () => {
  it(`sends each of ${READERS} readers exactly once when every 13th claim is applied and answered 500 or dropped`, async () => {
    const readers = await audience(faults.stack, READERS, 'politics');
    const id = await startIssue(faults, 'politics', 'fault-claim-lost');
    let claims = 0;
    faults.dynamodb.setPolicy((r) => {
      if (!isLedgerClaim(r)) return { kind: 'pass' };
      claims++;
      if (claims % 26 === 13) return { kind: 'failAfter' };
      if (claims % 26 === 0) return { kind: 'drop' };
      return { kind: 'pass' };
    });
    await runWorker(faults.deps, { issueId: id });
    faults.dynamodb.setPolicy(() => ({ kind: 'pass' }));

    const injected = faults.dynamodb.requests.filter(
      (r) => r.fate === 'failAfter' || r.fate === 'drop',
    ).length;
    expect(injected).toBeGreaterThan(5);
    const report = await issueReport(faults.deps, id);
    console.log(`claim answer lost: ${injected} injected, report ${JSON.stringify(report.counts)}`);
    expect(report.issue.state).toBe('sent');
    // SES was never called for a lost claim answer: nothing here may make a reader ambiguous.
    expect(await breaches(faults.stack, readers, report, 0)).toEqual(NO_BREACH);
    const inbox = await received(faults.stack);
    expect(readers.filter((r) => inbox.get(r.email) !== 1).length).toBe(0);
    expect(report.counts.sent).toBe(READERS);
  }, 60_000);
});
