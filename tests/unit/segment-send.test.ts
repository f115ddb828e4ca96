import { describe, expect, it } from 'vitest';
import { runWorker, SHARD_LEASE_MS } from '../../functions/core/delivery/worker.js';
import {
  createArticleIssue,
  issueReport,
  sendIssueNow,
} from '../../functions/core/issues/manage-issues.js';
import { createSegment, previewSegment } from '../../functions/core/segments/manage.js';
import { anArticle, aSubscriber, memoryDeliveryDeps } from '../support/builders.js';
import { MemorySegmentStore } from '../support/fakes/memory-segments.js';

/**
 * A send to a segment on the memory fakes: the worker drops the readers outside it from each page
 * of every one of the 32 shards, and a worker that dies mid-send leaves the next one to send the
 * rest of the segment, nobody twice and nobody outside it.
 */
describe('a send to a segment', () => {
  it('reaches each reader in the segment at most once, nobody else, through a worker dying mid-send', async () => {
    const deps = { ...memoryDeliveryDeps(), segments: new MemorySegmentStore() };
    deps.pacing = { ...deps.pacing, lanes: 4 };
    // 300 readers of Security; the segment is those who also follow Economy and get it weekly.
    const readers = Array.from({ length: 300 }, (_, i) =>
      aSubscriber({
        topics: i % 3 === 0 ? ['security', 'economy'] : ['security'],
        frequency: i % 2 === 0 ? 'weekly' : 'immediate',
      }),
    );
    for (const r of readers) await deps.subscribers.create(r);
    const inSegment = new Set(
      readers
        .filter((r) => r.topics.includes('economy') && r.frequency === 'weekly')
        .map((r) => r.email),
    );
    const segment = await createSegment(deps, {
      name: 'Weekly economy readers',
      rules: [
        { kind: 'topics', match: 'all', topics: ['security', 'economy'] },
        { kind: 'frequency', frequencies: ['weekly'] },
      ],
    });
    expect((await previewSegment(deps, segment)).count).toBe(inSegment.size);
    const issue = await createArticleIssue(deps, {
      article: 'test-article',
      topics: ['security'],
      segment: segment.id,
    });
    await sendIssueNow(deps, issue.id);

    // The first worker's process dies during its 20th send: that SES call never answers.
    let sends = 0;
    const send = deps.mailer.send.bind(deps.mailer);
    deps.mailer.send = (message) => (++sends === 20 ? new Promise(() => {}) : send(message));
    void runWorker(deps, { issueId: issue.id, workerId: 'dies' });
    await new Promise((r) => setTimeout(r, 50));
    deps.mailer.send = send;
    deps.clock.advance(SHARD_LEASE_MS + 1);
    await runWorker(deps, { issueId: issue.id, workerId: 'next' });

    const received = deps.mailer.sent.map((m) => m.to);
    expect(new Set(received).size).toBe(received.length);
    expect(received.every((to) => inSegment.has(to))).toBe(true);
    const report = await issueReport(deps, issue.id);
    expect(report.issue).toMatchObject({ state: 'sent', total: inSegment.size });
    // Everyone in the segment is sent or, for the one send the dead worker had in flight, listed.
    expect(report.counts.sent + report.counts.ambiguous).toBe(inSegment.size);
    expect(report.counts.ambiguous).toBeLessThanOrEqual(1);
    expect(received.length).toBeGreaterThanOrEqual(inSegment.size - 1);
  });

  it('keeps each reader’s first send on their record, once and without its version, for a "never opened" segment', async () => {
    const deps = {
      ...memoryDeliveryDeps([anArticle(), anArticle({ slug: 'second-article' })]),
      segments: new MemorySegmentStore(),
    };
    const readers = Array.from({ length: 10 }, () => aSubscriber({ topics: ['security'] }));
    for (const r of readers) await deps.subscribers.create(r);
    const first = await createArticleIssue(deps, { article: 'test-article', topics: ['security'] });
    await sendIssueNow(deps, first.id);
    await runWorker(deps, { issueId: first.id });
    for (const r of readers)
      expect(await deps.subscribers.get(r.id)).toMatchObject({
        firstSentAt: expect.any(String),
        version: r.version,
      });
    // Three of them open it; two join after it, sent nothing yet.
    deps.clock.advance(60_000);
    for (const r of readers.slice(0, 3))
      await deps.subscribers.noteActivity(r.id, 'opened', deps.clock.now());
    for (let i = 0; i < 2; i++)
      await deps.subscribers.create(aSubscriber({ topics: ['security'] }));
    const segment = await createSegment(deps, {
      name: 'Never opened',
      rules: [{ kind: 'engagement', op: 'never_opened' }],
    });
    const silent = readers.slice(3).map((r) => r.email);
    expect((await previewSegment(deps, segment)).count).toBe(silent.length);
    const second = await createArticleIssue(deps, {
      article: 'second-article',
      topics: ['security'],
      segment: segment.id,
    });
    await sendIssueNow(deps, second.id);
    const before = deps.mailer.sent.length;
    await runWorker(deps, { issueId: second.id });
    expect(
      deps.mailer.sent
        .slice(before)
        .map((m) => m.to)
        .sort(),
    ).toEqual(silent.sort());
  });

  it('stops at its deadline on pages the segment empties, and the next run carries on from there', async () => {
    const deps = { ...memoryDeliveryDeps(), segments: new MemorySegmentStore() };
    // 4,000 weekly readers and one daily one, the segment: 8 shards of ~10 pages, nearly all empty.
    for (let i = 0; i < 4_000; i++)
      await deps.subscribers.create(aSubscriber({ topics: ['security'], frequency: 'weekly' }));
    const daily = aSubscriber({ topics: ['security'], frequency: 'daily' });
    await deps.subscribers.create(daily);
    const segment = await createSegment(deps, {
      name: 'Daily readers',
      rules: [{ kind: 'frequency', frequencies: ['daily'] }],
    });
    const made = await createArticleIssue(deps, { article: 'test-article', segment: segment.id });
    await deps.issues.save({ ...made, shards: 8, version: made.version + 1 });
    await sendIssueNow(deps, made.id);
    // Each page takes a second of the worker's clock; its run has 9 s, less the 5 s margin.
    let pages = 0;
    let afterDeadline = 0;
    const deadline = deps.clock.now().getTime() + 9_000;
    const list = deps.subscribers.listRecipients.bind(deps.subscribers);
    deps.subscribers.listRecipients = (query) => {
      pages++;
      if (deps.clock.now().getTime() >= deadline - 5_000) afterDeadline++;
      deps.clock.advance(1_000);
      return list(query);
    };
    const first = await runWorker(deps, { issueId: made.id, workerId: 'short', deadline });
    expect(first.stoppedBecause).toBe('deadline');
    expect(afterDeadline).toBe(0);
    expect(pages).toBeLessThan(10);
    // The next run, with time, goes on from the saved cursor and finds the one reader.
    deps.clock.advance(SHARD_LEASE_MS + 1);
    await runWorker(deps, { issueId: made.id, workerId: 'next' });
    expect(deps.mailer.sent.map((m) => m.to)).toEqual([daily.email]);
    expect((await issueReport(deps, made.id)).issue).toMatchObject({ state: 'sent', total: 1 });
  });
});
