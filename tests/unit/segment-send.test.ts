import { describe, expect, it } from 'vitest';
import { runWorker, SHARD_LEASE_MS } from '../../functions/core/delivery/worker.js';
import {
  createArticleIssue,
  issueReport,
  sendIssueNow,
} from '../../functions/core/issues/manage-issues.js';
import { createSegment, previewSegment } from '../../functions/core/segments/manage.js';
import { aSubscriber, memoryDeliveryDeps } from '../support/builders.js';
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
});
