/**
 * The sending hold, path by path, over the in-memory fakes: once a reputation alarm has set it,
 * a digest, an approved article, an article that sends itself and a quota pause's end each leave
 * their issue paused with the hold's reason, and nothing is mailed; cleared, nothing resumes by
 * itself, and an editor's resume sends each reader once.
 */
import { describe, expect, it } from 'vitest';
import { runTick } from '../../functions/core/delivery/tick.js';
import { runWorker } from '../../functions/core/delivery/worker.js';
import { approveArticle } from '../../functions/core/issues/approvals.js';
import { publishNewArticles, startDigest } from '../../functions/core/issues/digests.js';
import {
  createArticleIssue,
  pauseIssue,
  resumeIssue,
  sendIssueNow,
} from '../../functions/core/issues/manage-issues.js';
import { pauseForReputationAlarm } from '../../functions/core/issues/reputation-pause.js';
import { clearHold, currentHold } from '../../functions/core/issues/sending-hold.js';
import { aSubscriber, anArticle, memoryDeliveryDeps } from '../support/builders.js';

const ALARM = 'dispatch-production-ses-complaint-rate';
const REASON = 'Threshold Crossed: 1 datapoint [0.0011] was greater than the threshold (0.0008).';

/** A running service (its baseline published) with readers of every kind, then the alarm. */
async function heldService() {
  const deps = memoryDeliveryDeps([anArticle({ slug: 'old', title: 'Old' })]);
  const readers = ['immediate', 'daily'].map((frequency) =>
    aSubscriber({ frequency: frequency as 'immediate' | 'daily', topics: ['security'] }),
  );
  for (const reader of readers) await deps.subscribers.create(reader);
  await publishNewArticles(deps);
  const fired = await pauseForReputationAlarm(deps, {
    alarmName: ALARM,
    state: { value: 'ALARM', reason: REASON },
  });
  expect(fired.held).toBe(true);
  return { deps, readers };
}

const expectHeld = (issue: { state: string; pause?: { reason: string; message?: string } }) => {
  expect(issue.state).toBe('paused');
  expect(issue.pause?.reason).toBe('reputation_alarm');
  expect(issue.pause?.message).toContain(`held by the alarm ${ALARM}`);
  expect(issue.pause?.message).toContain(REASON);
};

describe('while sending is held', () => {
  it('keeps the first alarm: the other one firing too changes nothing', async () => {
    const { deps } = await heldService();
    const since = (await currentHold(deps))!.since;
    deps.clock.advance(60_000);
    const other = await pauseForReputationAlarm(deps, {
      alarmName: 'dispatch-production-ses-bounce-rate',
      state: { value: 'ALARM', reason: 'bounces' },
    });
    expect(other.held).toBe(false);
    expect(await currentHold(deps)).toEqual({ alarm: ALARM, reason: REASON, since });
  });

  it('a digest is created paused, not started, and mails nobody', async () => {
    const { deps } = await heldService();
    deps.articles.list.push(anArticle({ slug: 'fresh', title: 'Fresh' }));
    await publishNewArticles(deps);
    const result = await startDigest(deps, 'daily', new Date(deps.clock.now().getTime() + 60_000));
    expect(result.status).toBe('started');
    const digest = (result as { issue: { id: string } }).issue;
    const stored = (await deps.issues.get(digest.id))!;
    expectHeld(stored);
    expect(stored.startedAt).toBeUndefined();
    await runWorker(deps, { issueId: digest.id });
    await runTick(deps);
    expect(deps.mailer.sent).toEqual([]);
  });

  it("an approved article's issue and one that sends itself are left paused; nothing is mailed", async () => {
    const { deps } = await heldService();
    deps.articles.list.push(
      anArticle({ slug: 'waits', title: 'Waits' }),
      anArticle({ slug: 'itself', title: 'Itself', sendWhenPublished: true }),
    );
    await runTick(deps);
    expectHeld((await deps.issues.get('publish-itself'))!);
    const approved = await approveArticle(deps, 'waits', 'Ana');
    expectHeld(approved.issue);
    await runTick(deps);
    expect(deps.mailer.sent).toEqual([]);
  });

  it("a quota pause's end does not resume the issue: the tick leaves it held; an editor's resume too", async () => {
    const { deps } = await heldService();
    deps.articles.list.push(anArticle({ slug: 'quota', title: 'Quota' }));
    await runTick(deps);
    await clearHold(deps);
    const approved = await approveArticle(deps, 'quota', 'Ana');
    expect(approved.issue.state).toBe('sending');
    await pauseIssue(deps, 'publish-quota', 'daily_quota', {
      resumeAfter: new Date(deps.clock.now().getTime() + 60_000),
    });
    await pauseForReputationAlarm(deps, {
      alarmName: ALARM,
      state: { value: 'ALARM', reason: REASON },
    });
    deps.clock.advance(120_000);
    const tick = await runTick(deps);
    expect(tick.resumed).toEqual([]);
    expect(tick.held).toEqual(['publish-quota']);
    expectHeld((await deps.issues.get('publish-quota'))!);
    const again = await resumeIssue(deps, 'publish-quota');
    expect(again).toMatchObject({ changed: false, held: { alarm: ALARM } });
    expect(deps.mailer.sent).toEqual([]);
  });

  it('cleared, resumes nothing by itself; resumed by an editor, reaches each reader once', async () => {
    const { deps, readers } = await heldService();
    deps.articles.list.push(anArticle({ slug: 'later', title: 'Later', sendWhenPublished: true }));
    await runTick(deps);
    expect((await clearHold(deps))?.alarm).toBe(ALARM);
    expect(await clearHold(deps)).toBeUndefined();
    await runTick(deps);
    expect((await deps.issues.get('publish-later'))!.state).toBe('paused');
    expect(deps.mailer.sent).toEqual([]);
    expect((await resumeIssue(deps, 'publish-later')).issue.state).toBe('sending');
    await runTick(deps);
    await runTick(deps);
    const immediate = readers[0]!;
    expect(deps.mailer.sent.map((m) => [m.to, m.subject])).toEqual([[immediate.email, 'Later']]);
  });

  it('an issue that began as the hold was written, after the pause had listed issues, is paused by its worker before anyone is mailed', async () => {
    const deps = memoryDeliveryDeps([anArticle({ slug: 'racing', title: 'Racing' })]);
    for (let i = 0; i < 5; i++)
      await deps.subscribers.create(aSubscriber({ topics: ['security'] }));
    const issue = await createArticleIssue(deps, { article: 'racing', topics: ['security'] });
    await sendIssueNow(deps, issue.id);
    // The alarm's function wrote the hold, but its list of sending issues was read before this
    // one was sending: nothing paused it.
    await deps.issues.holdSending({
      alarm: ALARM,
      reason: REASON,
      since: deps.clock.now().toISOString(),
    });
    await runWorker(deps, { issueId: issue.id });
    expectHeld((await deps.issues.get(issue.id))!);
    expect(deps.mailer.sent).toEqual([]);
    await clearHold(deps);
    await resumeIssue(deps, issue.id);
    await runWorker(deps, { issueId: issue.id });
    expect(deps.mailer.sent).toHaveLength(5);
  });
});
