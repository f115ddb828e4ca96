/**
 * Row 5 of issue 12: a page takes longer than the shard lease (SES answering slowly) and another
 * worker takes the shard meanwhile. Nothing failed: nobody may be sent twice, nobody skipped,
 * and nobody who was delivered once may be reported ambiguous.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runWorker } from '../../../functions/core/delivery/worker.js';
import { issueReport } from '../../../functions/core/issues/manage-issues.js';
import {
  audience,
  breaches,
  deliveredOnceButAmbiguous,
  NO_BREACH,
  startFaultStack,
  startIssue,
  within,
  type FaultStack,
} from './harness.js';

const READERS = 100;
const LEASE_MS = 1_000;
/** SES's answer to each send; a shard's page (~12 readers) then takes over twice the lease. */
const SES_LATENCY_MS = 150;
let faults: FaultStack;

beforeAll(async () => {
  faults = await startFaultStack(5);
});
afterAll(async () => faults?.close());

describe('a page outlives its lease while another worker is running', () => {
  it(`sends each of ${READERS} readers once and reports none of them ambiguous`, async () => {
    const readers = await audience(faults.stack, READERS, 'security');
    const id = await startIssue(faults, 'security', 'fault-lease');
    faults.deps.pacing.leaseMs = LEASE_MS;
    faults.ses.setPolicy((r) =>
      r.operation === 'SendRawEmail' ? { kind: 'delay', ms: SES_LATENCY_MS } : { kind: 'pass' },
    );
    const first = runWorker(faults.deps, { issueId: id, workerId: 'slow-first' });
    await new Promise((r) => setTimeout(r, 1.5 * LEASE_MS));
    const second = runWorker(faults.deps, { issueId: id, workerId: 'second' });
    const outcome = await within(Promise.all([first, second]), 60_000);
    faults.ses.setPolicy(() => ({ kind: 'pass' }));
    expect(outcome).not.toBe('timed out');

    const report = await issueReport(faults.deps, id);
    const falseAlarms = await deliveredOnceButAmbiguous(faults.stack, readers, report);
    console.log(
      `lease taken over: ${falseAlarms} delivered once but reported ambiguous, report ${JSON.stringify(report.counts)}`,
    );
    expect(report.issue.state).toBe('sent');
    expect({ falseAlarms, ...(await breaches(faults.stack, readers, report, 0)) }).toEqual({
      falseAlarms: 0,
      ...NO_BREACH,
    });
    expect(report.counts.sent).toBe(READERS);
  }, 90_000);
});
