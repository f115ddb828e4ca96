/**
 * Item 9 of issue 12: an ambiguous reader decided on by an editor. SES takes the messages to two
 * chosen readers and answers 500; the editor releases one (sent exactly once more) and marks the
 * other delivered (never sent again). Judged by what the SES emulator received.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runWorker } from '../../../functions/core/delivery/worker.js';
import { ambiguousReaders, resolveAmbiguous } from '../../../functions/core/issues/ambiguous.js';
import { issueReport } from '../../../functions/core/issues/manage-issues.js';
import type { ProxiedRequest } from '../../support/fault-proxy.js';
import { audience, received, startFaultStack, startIssue, type FaultStack } from './harness.js';

const READERS = 30;
let faults: FaultStack;

beforeAll(async () => {
  faults = await startFaultStack(9);
});
afterAll(async () => faults?.close());

const recipientOf = (r: ProxiedRequest) =>
  /^To: *(?:.*<)?([^\s<>]+@[^\s<>]+)/m
    .exec(Buffer.from(r.params?.get('RawMessage.Data') ?? '', 'base64').toString('utf8'))?.[1]
    ?.toLowerCase();

describe('an editor deciding on ambiguous readers', () => {
  it('sends a released reader exactly once more, never a reader marked delivered, and nobody else again', async () => {
    const readers = await audience(faults.stack, READERS, 'security');
    const [released, delivered] = [readers[7]!, readers[21]!];
    const id = await startIssue(faults, 'security', 'fault-ambiguous-resolved');
    const failed = new Set<string>();
    faults.ses.setPolicy((r) => {
      const to = r.operation === 'SendRawEmail' ? recipientOf(r) : undefined;
      if (!to || failed.has(to) || (to !== released.email && to !== delivered.email))
        return { kind: 'pass' };
      failed.add(to);
      return { kind: 'failAfter' };
    });
    await runWorker(faults.deps, { issueId: id });
    faults.ses.setPolicy(() => ({ kind: 'pass' }));

    const before = await issueReport(faults.deps, id);
    expect(before.issue.state).toBe('sent');
    expect([...before.ambiguous].sort()).toEqual([released.id, delivered.id].sort());
    expect(before.counts).toMatchObject({ sent: READERS - 2, ambiguous: 2 });
    const listed = (await ambiguousReaders(faults.deps, id)).readers.map((r) => r.email).sort();
    expect(listed).toEqual([released.email, delivered.email].sort());

    await resolveAmbiguous(faults.deps, id, released.id, 'release', 'not in the SES logs', 'ed');
    await resolveAmbiguous(faults.deps, id, delivered.id, 'delivered', 'in their inbox', 'ed');
    await runWorker(faults.deps, { issueId: id });
    await runWorker(faults.deps, { issueId: id }); // nothing left: nobody is sent anything

    const inbox = await received(faults.stack);
    expect(inbox.get(released.email)).toBe(2); // SES had taken the first: the risk the editor took
    expect(inbox.get(delivered.email)).toBe(1);
    const others = readers.filter((r) => r !== released && r !== delivered);
    expect(others.filter((r) => inbox.get(r.email) !== 1)).toEqual([]);
    const after = await issueReport(faults.deps, id);
    expect(after.issue.state).toBe('sent');
    expect(after.counts).toMatchObject({ sent: READERS, ambiguous: 0, failed: 0 });
    expect(after).toMatchObject({ ambiguous: [], pendingResend: 0, remaining: 0 });
    expect(after.resolutions.map((r) => [r.resolution, r.resent?.outcome])).toEqual([
      ['release', 'sent'],
      ['delivered', undefined],
    ]);
  }, 60_000);
});
