/**
 * Row 1 of issue 12: SES takes the message, then answers 500 (10 % of sends). A 500 proves
 * nothing about the message: it must be ambiguous (never resent), not retried.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runWorker } from '../../../functions/core/delivery/worker.js';
import { issueReport } from '../../../functions/core/issues/manage-issues.js';
import {
  audience,
  breaches,
  NO_BREACH,
  startFaultStack,
  startIssue,
  type FaultStack,
} from './harness.js';

const READERS = 150;
let faults: FaultStack;

beforeAll(async () => {
  faults = await startFaultStack(12);
});
afterAll(async () => faults?.close());

describe('SES accepts a message and then answers 500', () => {
  it(`sends none of ${READERS} readers twice when 10 % of sends are taken and answered 500; those are ambiguous`, async () => {
    const readers = await audience(faults.stack, READERS, 'security');
    const id = await startIssue(faults, 'security', 'fault-ses-500');
    faults.ses.setPolicy((r) =>
      r.operation === 'SendRawEmail' && r.random < 0.1 ? { kind: 'failAfter' } : { kind: 'pass' },
    );
    await runWorker(faults.deps, { issueId: id });
    faults.ses.setPolicy(() => ({ kind: 'pass' }));

    const injected = faults.ses.requests.filter((r) => r.fate === 'failAfter').length;
    expect(injected).toBeGreaterThan(5);
    const report = await issueReport(faults.deps, id);
    console.log(
      `ses 500 after accept: ${injected} injected, report ${JSON.stringify(report.counts)}`,
    );
    expect(report.issue.state).toBe('sent');
    expect(await breaches(faults.stack, readers, report, injected)).toEqual(NO_BREACH);
    expect(report.counts.sent + report.counts.ambiguous).toBe(READERS);
  }, 60_000);
});
