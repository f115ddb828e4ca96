import { describe, expect, it } from 'vitest';
import { runWorker } from '../../functions/core/delivery/worker.js';
import { ambiguousReaders, resolveAmbiguous } from '../../functions/core/issues/ambiguous.js';
import {
  cancelIssue,
  findOrCreateEditorSend,
  issueReport,
  pauseIssue,
  resumeIssue,
  sendIssueNow,
} from '../../functions/core/issues/manage-issues.js';
import { MailFailure } from '../../functions/core/ports.js';
import { aSubscriber, memoryDeliveryDeps } from '../support/builders.js';

type Deps = ReturnType<typeof memoryDeliveryDeps>;

/**
 * Ten readers; SES takes the message to one and then answers 500 (the message is in its outbox,
 * as the emulator's would be), so that reader is ambiguous and the issue finishes.
 */
async function sentWithOneAmbiguous(slug = 'test-article') {
  const deps = memoryDeliveryDeps();
  const readers = Array.from({ length: 10 }, () => aSubscriber());
  for (const r of readers) await deps.subscribers.create(r);
  const unlucky = readers[4]!;
  const send = deps.mailer.send.bind(deps.mailer);
  let failed = false;
  deps.mailer.send = async (message) => {
    const accepted = await send(message);
    if (message.to === unlucky.email && !failed) {
      failed = true;
      throw new MailFailure('unknown', 'SES answered 500 InternalFailure');
    }
    return accepted;
  };
  const issue = await findOrCreateEditorSend(deps, slug);
  await sendIssueNow(deps, issue.id);
  await runWorker(deps, { issueId: issue.id });
  return { deps, readers, unlucky, id: issue.id };
}

const copiesTo = (deps: Deps, email: string) => deps.mailer.to(email).length;

describe('an ambiguous reader, decided on by an editor', () => {
  it('is listed by address, with when it was claimed and what SES answered', async () => {
    const { deps, unlucky, id } = await sentWithOneAmbiguous();
    const { readers } = await ambiguousReaders(deps, id);
    expect(readers).toEqual([
      {
        subscriberId: unlucky.id,
        email: unlucky.email,
        claimedAt: expect.any(String),
        why: 'SES answered 500 InternalFailure',
      },
    ]);
  });

  it('released from a finished issue, is sent exactly once more by the next worker, and nobody else is', async () => {
    const { deps, readers, unlucky, id } = await sentWithOneAmbiguous();
    expect(copiesTo(deps, unlucky.email)).toBe(1); // SES did have it: that is the editor's risk

    await resolveAmbiguous(deps, id, unlucky.id, 'release', 'not in the SES logs', 'ed');
    const waiting = await issueReport(deps, id);
    expect(waiting.issue.state).toBe('sending');
    expect(waiting.counts).toMatchObject({ sent: 9, ambiguous: 0 });
    expect(waiting).toMatchObject({ pendingResend: 1, remaining: 1, ambiguous: [] });

    await runWorker(deps, { issueId: id });
    await runWorker(deps, { issueId: id }); // a second run finds nothing to send
    expect(copiesTo(deps, unlucky.email)).toBe(2);
    for (const r of readers.filter((r) => r !== unlucky)) expect(copiesTo(deps, r.email)).toBe(1);
    const report = await issueReport(deps, id);
    expect(report.issue.state).toBe('sent');
    expect(report.counts).toMatchObject({ sent: 10, ambiguous: 0 });
    expect(report.pendingResend).toBe(0);
    expect(report.resolutions).toEqual([
      expect.objectContaining({
        subscriberId: unlucky.id,
        resolution: 'release',
        reason: 'not in the SES logs',
        by: 'ed',
        resent: expect.objectContaining({ outcome: 'sent' }),
      }),
    ]);
    expect((await deps.ledger.entry('article:test-article', unlucky.id))?.status).toBe('sent');
  });

  it("marked delivered, counts as sent, joins the reader's history and is never sent again", async () => {
    const { deps, unlucky, id } = await sentWithOneAmbiguous();
    await resolveAmbiguous(deps, id, unlucky.id, 'delivered', 'in their inbox', 'ed');
    const report = await issueReport(deps, id);
    expect(report.issue.state).toBe('sent');
    expect(report.counts).toMatchObject({ sent: 10, ambiguous: 0 });
    expect((await ambiguousReaders(deps, id)).readers).toEqual([]);
    expect(await deps.ledger.history(unlucky.id)).toEqual([
      expect.objectContaining({
        status: 'sent',
        resolvedBy: 'ed',
        resolvedReason: 'in their inbox',
      }),
    ]);
    await runWorker(deps, { issueId: id });
    expect(copiesTo(deps, unlucky.email)).toBe(1);
  });

  it('released while paused, is sent when the issue resumes', async () => {
    const { deps, unlucky, id } = await sentWithOneAmbiguous();
    // Reopened by the release, then paused before any worker ran.
    await resolveAmbiguous(deps, id, unlucky.id, 'release', 'bounced back to us', 'ed');
    await pauseIssue(deps, id);
    await runWorker(deps, { issueId: id });
    expect(copiesTo(deps, unlucky.email)).toBe(1);
    await resumeIssue(deps, id);
    await runWorker(deps, { issueId: id });
    expect(copiesTo(deps, unlucky.email)).toBe(2);
  });

  it('refuses, as a conflict saying why, anything that is not an ambiguous claim of this issue', async () => {
    const { deps, readers, unlucky, id } = await sentWithOneAmbiguous();
    const decide = (subscriberId: string) =>
      resolveAmbiguous(deps, id, subscriberId, 'release', 'why not', 'ed');
    await expect(decide(readers[0]!.id)).rejects.toMatchObject({
      code: 'conflict',
      message: `${readers[0]!.email} is not an ambiguous reader of issue ${id}.`,
    });
    await resolveAmbiguous(deps, id, unlucky.id, 'delivered', 'in their inbox', 'ed');
    await expect(decide(unlucky.id)).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringContaining('was already decided on (delivered by ed'),
    });
    await expect(
      resolveAmbiguous(deps, 'no-such-issue', unlucky.id, 'release', 'x', 'ed'),
    ).rejects.toMatchObject({ code: 'not_found' });
    await expect(
      resolveAmbiguous(deps, id, unlucky.id, 'resend' as never, ' ', 'ed'),
    ).rejects.toMatchObject({
      code: 'invalid_input',
      details: { issues: [{ field: 'resolution' }, { field: 'reason' }] },
    });
    expect(copiesTo(deps, unlucky.email)).toBe(1);
  });

  it("refuses a claim another issue made, or one a later claim's receipt proves sent", async () => {
    const { deps, unlucky, id } = await sentWithOneAmbiguous();
    const key = 'article:test-article';
    const entry = deps.ledger.entries.get(`${key}/${unlucky.id}`)!;
    entry.issueId = 'publish-test-article';
    await expect(
      resolveAmbiguous(deps, id, unlucky.id, 'release', 'x', 'ed'),
    ).rejects.toMatchObject({ message: expect.stringContaining('claimed by issue publish-') });
    entry.issueId = id;
    const receipt = { subscriberId: unlucky.id, messageId: 'ses-42', sentAt: entry.claimedAt };
    deps.ledger.entries.set(`${key}/zzzz`, {
      ...entry,
      subscriberId: 'zzzz',
      previousSent: receipt,
    });
    await expect(
      resolveAmbiguous(deps, id, unlucky.id, 'release', 'x', 'ed'),
    ).rejects.toMatchObject({ message: expect.stringContaining('(message ses-42): it was sent') });
    expect((await issueReport(deps, id)).resolutions).toEqual([]);
  });

  it('will not release a reader of a cancelled issue, and a release cancelled before it ran sends nothing', async () => {
    const { deps, unlucky, id } = await sentWithOneAmbiguous();
    await resolveAmbiguous(deps, id, unlucky.id, 'release', 'retry', 'ed');
    await cancelIssue(deps, id); // reopened by the release, cancelled before a worker ran
    await runWorker(deps, { issueId: id });
    expect(copiesTo(deps, unlucky.email)).toBe(1);

    const other = await sentWithOneAmbiguous();
    const issue = (await other.deps.issues.get(other.id))!;
    await other.deps.issues.save({ ...issue, state: 'cancelled', version: issue.version + 1 });
    await expect(
      resolveAmbiguous(other.deps, other.id, other.unlucky.id, 'release', 'retry', 'ed'),
    ).rejects.toMatchObject({ code: 'conflict', message: expect.stringContaining('is cancelled') });
    await resolveAmbiguous(other.deps, other.id, other.unlucky.id, 'delivered', 'inbox', 'ed');
  });
});
