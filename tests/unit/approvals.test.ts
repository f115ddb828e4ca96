import { describe, expect, it } from 'vitest';
import { runTick } from '../../functions/core/delivery/tick.js';
import {
  approvable,
  approveArticle,
  articleApprovals,
  dismissArticle,
} from '../../functions/core/issues/approvals.js';
import { startDigest } from '../../functions/core/issues/digests.js';
import { aSubscriber, anArticle, memoryDeliveryDeps } from '../support/builders.js';

/** A running service with one old article (the baseline), then a new one saved in content/. */
async function withNewArticle(overrides = {}) {
  const deps = memoryDeliveryDeps([anArticle({ slug: 'old', title: 'Old' })]);
  const immediate = aSubscriber({ frequency: 'immediate', topics: ['security'] });
  const daily = aSubscriber({ frequency: 'daily', topics: ['security'] });
  await deps.subscribers.create(immediate);
  await deps.subscribers.create(daily);
  await runTick(deps); // the baseline
  deps.articles.list.push(anArticle({ slug: 'new', title: 'New', ...overrides }));
  return { deps, immediate, daily };
}

describe('a new article in content/', () => {
  it('waits for approval: the tick mails nobody and lists it, with who approving would mail', async () => {
    const { deps } = await withNewArticle();
    expect((await runTick(deps)).published).toEqual([]);
    expect((await runTick(deps)).published).toEqual([]);
    expect(deps.mailer.sent).toHaveLength(0);
    expect(await deps.issues.get('publish-new')).toBeUndefined();

    const { waiting, decided } = await articleApprovals(deps);
    expect(waiting.map((w) => [w.article.slug, w.audience, w.about])).toEqual([
      ['new', { topics: ['security'], frequencies: ['immediate'] }, 1],
    ]);
    expect(decided).toEqual([]);
  });

  it('is mailed by itself, as today, when its front matter says sendWhenPublished: true', async () => {
    const { deps, immediate } = await withNewArticle({ sendWhenPublished: true });
    expect((await runTick(deps)).published).toEqual(['publish-new']);
    expect(deps.mailer.sent.map((m) => [m.to, m.subject])).toEqual([[immediate.email, 'New']]);
    expect((await articleApprovals(deps)).waiting).toEqual([]);
    await expect(approveArticle(deps, 'new', 'Ana')).rejects.toMatchObject({ code: 'conflict' });
  });

  it('once approved is sent once to "every article" readers, however often it is approved, and the decision says who and when', async () => {
    const { deps, immediate } = await withNewArticle();
    await runTick(deps);
    deps.clock.advance(60_000);
    const approvals = await Promise.all([
      approveArticle(deps, 'new', 'Ana'),
      approveArticle(deps, 'new', 'Bo'),
    ]);
    expect(approvals.filter((a) => a.decided)).toHaveLength(1);
    expect(new Set(approvals.map((a) => a.issue.id))).toEqual(new Set(['publish-new']));
    expect(approvals[0]!.issue).toMatchObject({
      state: 'sending',
      deliveryKey: 'article:new',
      audience: { topics: ['security'], frequencies: ['immediate'] },
    });
    await runTick(deps);
    await approveArticle(deps, 'new', 'Ana'); // again, after it was sent
    await runTick(deps);
    expect(deps.mailer.sent.map((m) => [m.to, m.subject])).toEqual([[immediate.email, 'New']]);

    const { waiting, decided } = await articleApprovals(deps);
    expect(waiting).toEqual([]);
    const winner = approvals.find((a) => a.decided) === approvals[0] ? 'Ana' : 'Bo';
    expect(decided).toEqual([
      expect.objectContaining({
        slug: 'new',
        title: 'New',
        approval: 'approved',
        decidedBy: winner,
        decidedAt: deps.clock.now().toISOString(),
      }),
    ]);
    await expect(dismissArticle(deps, 'new', 'Bo')).rejects.toMatchObject({ code: 'conflict' });
  });

  it('completes an approval whose run died before its issue was created', async () => {
    const { deps, immediate } = await withNewArticle();
    await runTick(deps);
    const create = deps.issues.create.bind(deps.issues);
    deps.issues.create = async () => {
      throw new Error('the run died here');
    };
    await expect(approveArticle(deps, 'new', 'Ana')).rejects.toThrow('the run died here');
    deps.issues.create = create;
    // The workspace lists it as approved but not started, and offers to approve it again.
    expect((await articleApprovals(deps)).decided[0]).toMatchObject({
      approval: 'approved',
      started: false,
    });
    expect(await approvable(deps, 'new')).toMatchObject({ article: { slug: 'new' } });

    expect(await approveArticle(deps, 'new', 'Ana')).toMatchObject({
      decided: false,
      issue: { id: 'publish-new', state: 'sending' },
    });
    await runTick(deps);
    expect(deps.mailer.to(immediate.email)).toHaveLength(1);
    expect((await articleApprovals(deps)).decided[0]).toMatchObject({ started: true });
    await expect(approvable(deps, 'new')).rejects.toMatchObject({ code: 'not_found' });
  });

  it('dismissed is never mailed as its own issue nor listed again, and still goes into the digest', async () => {
    const { deps, daily } = await withNewArticle();
    await runTick(deps);
    const dismissed = await dismissArticle(deps, 'new', 'Ana');
    expect(dismissed).toMatchObject({ approval: 'dismissed', decidedBy: 'Ana' });
    expect(await dismissArticle(deps, 'new', 'Bo')).toMatchObject({ decidedBy: 'Ana' });
    await expect(approveArticle(deps, 'new', 'Bo')).rejects.toMatchObject({ code: 'conflict' });
    await runTick(deps);
    expect(deps.mailer.sent).toHaveLength(0);
    expect((await articleApprovals(deps)).waiting).toEqual([]);

    const digest = await startDigest(deps, 'daily', new Date(deps.clock.now().getTime() + 60_000));
    expect(digest).toMatchObject({ status: 'started', issue: { content: { slugs: ['new'] } } });
    await runTick(deps);
    expect(deps.mailer.sent.map((m) => [m.to, m.subject])).toEqual([
      [daily.email, 'Daily digest: New'],
    ]);
  });

  it('counts for the digests while it waits: the digest readers get it, the every-article readers wait', async () => {
    const { deps, daily, immediate } = await withNewArticle();
    await runTick(deps);
    await startDigest(deps, 'daily', new Date(deps.clock.now().getTime() + 60_000));
    await runTick(deps);
    expect(deps.mailer.to(daily.email)).toHaveLength(1);
    expect(deps.mailer.to(immediate.email)).toHaveLength(0);
  });

  it('cannot be approved or dismissed before the tick has seen it, nor when it never existed', async () => {
    const { deps } = await withNewArticle();
    await expect(approveArticle(deps, 'new', 'Ana')).rejects.toMatchObject({ code: 'not_found' });
    await expect(approveArticle(deps, 'nope', 'Ana')).rejects.toMatchObject({ code: 'not_found' });
    await expect(dismissArticle(deps, 'nope', 'Ana')).rejects.toMatchObject({ code: 'not_found' });
  });
});
