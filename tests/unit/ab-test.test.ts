import { describe, expect, it } from 'vitest';
import { sendDueWinners } from '../../functions/core/delivery/ab-phases.js';
import { openShards } from '../../functions/core/delivery/fleet.js';
import { runWorker, SHARD_LEASE_MS } from '../../functions/core/delivery/worker.js';
import { countInteraction } from '../../functions/core/events/engagement.js';
import {
  bucketOf,
  chooseWinner,
  variantCounterId,
  variantOf,
} from '../../functions/core/issues/ab-test.js';
import { abReport } from '../../functions/core/issues/ab-report.js';
import { noEngagement, type ShardProgress } from '../../functions/core/issues/issue.js';
import {
  createArticleIssue,
  issueReport,
  resumeIssue,
  sendIssueNow,
} from '../../functions/core/issues/manage-issues.js';
import type { DomainError } from '../../functions/core/errors.js';
import { aSubscriber, memoryDeliveryDeps } from '../support/builders.js';
import { MemoryEngagementStore } from '../support/fakes/memory-engagement.js';

const test2 = {
  variants: [
    { id: 'a', subject: 'A' },
    { id: 'b', subject: 'B' },
  ],
  samplePercent: 10,
};

describe("a reader's A/B bucket", () => {
  it('is the same for the same issue and reader, and spreads readers about evenly', () => {
    expect(bucketOf('issue-1', 'reader-1')).toBe(bucketOf('issue-1', 'reader-1'));
    const ids = Array.from({ length: 20_000 }, (_, i) => `reader-${i}`);
    const share = (v: string | undefined) =>
      ids.filter((id) => variantOf(test2, 'issue-1', id)?.id === v).length / ids.length;
    // 10 % each, within a point on 20,000 readers; the other 80 % wait for the winner.
    expect(share('a')).toBeGreaterThan(0.09);
    expect(share('a')).toBeLessThan(0.11);
    expect(share('b')).toBeGreaterThan(0.09);
    expect(share('b')).toBeLessThan(0.11);
    expect(share(undefined)).toBeGreaterThan(0.78);
    // Another issue draws another sample: not the same readers every time.
    const again = ids.filter(
      (id) => variantOf(test2, 'issue-2', id)?.id === variantOf(test2, 'issue-1', id)?.id,
    );
    expect(again.length).toBeLessThan(ids.length * 0.7);
  });
});

const figures = (sent: number, uniqueOpened: number, uniqueClicked: number) => ({
  sent,
  engagement: { ...noEngagement(), uniqueOpened, uniqueClicked },
});

describe("the winner's rule", () => {
  it('takes the best rate of unique readers over sends, by opens or by clicks', () => {
    const all = [
      { variant: 'a', ...figures(100, 30, 2) },
      { variant: 'b', ...figures(50, 10, 5) },
    ];
    expect(chooseWinner({ ...test2, metric: 'opens' }, all).variant).toBe('a'); // 30 % vs 20 %
    expect(chooseWinner({ ...test2, metric: 'clicks' }, all).variant).toBe('b'); // 2 % vs 10 %
    expect(chooseWinner({ ...test2, metric: 'clicks' }, all).figures).toEqual([
      { variant: 'a', sent: 100, uniqueOpened: 30, uniqueClicked: 2, rate: 0.02 },
      { variant: 'b', sent: 50, uniqueOpened: 10, uniqueClicked: 5, rate: 0.1 },
    ]);
  });

  it('gives a tie (nobody opened either) to the first variant, and a variant with no sends rates 0', () => {
    const tie = [
      { variant: 'a', ...figures(10, 0, 0) },
      { variant: 'b', ...figures(10, 0, 0) },
    ];
    expect(chooseWinner({ ...test2, metric: 'opens' }, tie).variant).toBe('a');
    const none = [{ variant: 'b', ...figures(10, 1, 0) }];
    expect(chooseWinner({ ...test2, metric: 'opens' }, none).variant).toBe('b');
  });

  it("counts a variant's readers' opens and clicks, never bots'", async () => {
    const deps = memoryDeliveryDeps();
    const engagement = new MemoryEngagementStore();
    const at = new Date('2026-12-04T10:00:00Z');
    const event = { issueId: 'ab-1', subscriberId: 'r1', at, variant: 'b' };
    await countInteraction(
      { issues: deps.issues, engagement, subscribers: deps.subscribers },
      { ...event, kind: 'Open' },
    );
    await countInteraction(
      { issues: deps.issues, engagement, subscribers: deps.subscribers },
      { ...event, subscriberId: 'r2', kind: 'Open', userAgent: 'Barracuda scanner' },
    );
    const b = await deps.issues.engagement(variantCounterId('ab-1', 'b'));
    expect(b).toMatchObject({ opened: 1, uniqueOpened: 1, botOpened: 0 });
    expect(await deps.issues.engagement('ab-1')).toMatchObject({ uniqueOpened: 1, botOpened: 1 });
  });
});

describe('an A/B issue on the memory fakes', () => {
  it('refuses bad settings with the field named', async () => {
    const deps = memoryDeliveryDeps();
    const attempt = (abTest: unknown) =>
      createArticleIssue(deps, { article: 'test-article', abTest }).catch((e: DomainError) => e);
    const fields = async (abTest: unknown) =>
      ((await attempt(abTest)) as DomainError).details?.issues?.map((i) => i.field);
    const ok = { variants: [{ subject: 'A' }, { subject: 'B' }], samplePercent: 10 };
    expect(
      await fields({
        ...ok,
        metric: 'opens',
        waitMinutes: 60,
        variants: [{ subject: 'A' }, { subject: '' }],
      }),
    ).toEqual(['abTest.variants.1.subject']);
    expect(await fields({ ...ok, metric: 'views', waitMinutes: 60 })).toEqual(['abTest.metric']);
    const three = [{ subject: 'A' }, { subject: 'B' }, { subject: 'C' }];
    expect(
      await fields({ variants: three, samplePercent: 20, metric: 'opens', waitMinutes: 1 }),
    ).toEqual(['abTest.samplePercent']);
    expect(await fields({ ...ok, metric: 'opens' })).toEqual(['abTest.waitMinutes']);
  });

  it('sends the sample their variants, waits, then the rest the winner: each reader once, through a worker dying mid-send', async () => {
    const deps = memoryDeliveryDeps();
    deps.pacing = { ...deps.pacing, lanes: 3 };
    const readers = Array.from({ length: 400 }, () => aSubscriber({ topics: ['security'] }));
    for (const r of readers) await deps.subscribers.create(r);
    const issue = await createArticleIssue(deps, {
      article: 'test-article',
      topics: ['security'],
      abTest: {
        variants: [{ subject: 'Subject A' }, { subject: 'Subject B' }],
        samplePercent: 20,
        metric: 'opens',
        waitMinutes: 30,
      },
    });
    await sendIssueNow(deps, issue.id);
    const test = (await deps.issues.get(issue.id))!.abTest!;
    const variant = (email: string) =>
      variantOf(test, issue.id, readers.find((r) => r.email === email)!.id)?.id;

    // The first worker dies during its 15th send; the next finishes the sample.
    let sends = 0;
    const send = deps.mailer.send.bind(deps.mailer);
    deps.mailer.send = (message) => (++sends === 15 ? new Promise(() => {}) : send(message));
    void runWorker(deps, { issueId: issue.id, workerId: 'dies' });
    await new Promise((r) => setTimeout(r, 50));
    deps.mailer.send = send;
    deps.clock.advance(SHARD_LEASE_MS + 1);
    await runWorker(deps, { issueId: issue.id, workerId: 'next' });

    const sample = deps.mailer.sent.map((m) => ({ to: m.to, subject: m.subject, tags: m.tags }));
    expect((await deps.issues.get(issue.id))!.state).toBe('testing');
    expect(sample.every((m) => variant(m.to) !== undefined)).toBe(true);
    for (const m of sample) {
      expect(m.subject).toBe(variant(m.to) === 'a' ? 'Subject A' : 'Subject B');
      expect(m.tags?.variant).toBe(variant(m.to));
    }
    // B's readers open: B wins by opens, once the wait is over (not before).
    const b = sample.filter((m) => variant(m.to) === 'b');
    await deps.issues.addEngagement(variantCounterId(issue.id, 'b'), { uniqueOpened: b.length });
    expect(await sendDueWinners(deps)).toEqual([]);
    deps.clock.advance(30 * 60_000);
    expect((await sendDueWinners(deps)).map((w) => w.winner)).toEqual(['b']);
    await runWorker(deps, { issueId: issue.id, workerId: 'rest' });

    const report = await issueReport(deps, issue.id);
    expect(report.issue.state).toBe('sent');
    expect(report.issue.abTest?.winner).toMatchObject({ variant: 'b' });
    const received = deps.mailer.sent.map((m) => m.to);
    expect(new Set(received).size).toBe(received.length);
    // Everyone, or the one send the dead worker had in flight, listed as ambiguous.
    expect(report.counts.sent + report.counts.ambiguous).toBe(readers.length);
    expect(report.counts.ambiguous).toBeLessThanOrEqual(1);
    for (const m of deps.mailer.sent.slice(sample.length)) {
      expect(variant(m.to)).toBeUndefined();
      expect(m.subject).toBe('Subject B');
      expect(m.tags?.variant).toBe('rest');
    }
  });

  it('keeps the winner through the sending hold, and queues the rest in shards of their own', async () => {
    const deps = memoryDeliveryDeps();
    const readers = Array.from({ length: 100 }, () => aSubscriber({ topics: ['security'] }));
    for (const r of readers) await deps.subscribers.create(r);
    const issue = await createArticleIssue(deps, {
      article: 'test-article',
      topics: ['security'],
      abTest: {
        variants: [{ subject: 'A' }, { subject: 'B' }, { subject: 'C' }],
        samplePercent: 10,
        metric: 'clicks',
        waitMinutes: 0,
      },
    });
    await sendIssueNow(deps, issue.id);
    await runWorker(deps, { issueId: issue.id });
    const sample = deps.mailer.sent.length;
    expect(await openShards(deps, (await deps.issues.get(issue.id))!)).toEqual([]);
    // A reputation alarm holds sending while the issue waits: the winner is chosen, the rest held.
    await deps.issues.holdSending({
      alarm: 'bounces',
      reason: 'too many',
      since: new Date().toISOString(),
    });
    const [held] = await sendDueWinners(deps);
    expect(held?.result?.held).toBeDefined();
    const paused = (await deps.issues.get(issue.id))!;
    expect(paused).toMatchObject({ state: 'paused', abTest: { winner: { variant: 'a' } } });
    await deps.issues.clearSendingHold();
    await resumeIssue(deps, issue.id);
    const resumed = (await deps.issues.get(issue.id))!;
    // The fleet is handed the rest's shards (32..63), never the sample's again.
    expect((await openShards(deps, resumed)).map((w) => w.shard)).toEqual(
      Array.from({ length: 32 }, (_, i) => 32 + i),
    );
    await runWorker(deps, { issueId: issue.id });
    expect((await deps.issues.get(issue.id))!.state).toBe('sent');
    const received = deps.mailer.sent.map((m) => m.to);
    expect(new Set(received).size).toBe(readers.length);
    expect(received).toHaveLength(readers.length);
    expect(deps.mailer.sent.slice(sample).every((m) => m.subject === 'A')).toBe(true);
  });

  it("counts an ambiguous reader an editor settled as sent in their variant's row, so the rows add up to the sent count", async () => {
    const deps = memoryDeliveryDeps();
    const made = await createArticleIssue(deps, {
      article: 'test-article',
      abTest: {
        variants: [{ subject: 'A' }, { subject: 'B' }],
        samplePercent: 10,
        metric: 'opens',
        waitMinutes: 5,
      },
    });
    const test = { ...made.abTest!, winner: { variant: 'b', at: made.createdAt, figures: [] } };
    const idIn = (want: string | undefined) => {
      for (let i = 0; ; i++)
        if (variantOf(test, made.id, `reader-${i}`)?.id === want) return `reader-${i}`;
    };
    const at = made.createdAt;
    const settled = (subscriberId: string, how: 'delivered' | 'sent' | 'failed' | 'waiting') => ({
      subscriberId,
      resolution: how === 'delivered' ? ('delivered' as const) : ('release' as const),
      reason: 'checked the SES log',
      by: 'Ed',
      at,
      ...(how === 'sent' || how === 'failed' ? { resent: { outcome: how, at } } : {}),
    });
    const issue = {
      ...made,
      abTest: test,
      resolutions: [
        settled(idIn('a')!, 'delivered'),
        settled(idIn(undefined)!, 'sent'),
        settled(idIn('b')!, 'failed'),
        settled(idIn('b')!, 'waiting'),
      ],
    };
    const shards = [{ variantSent: { a: 3, b: 2, rest: 10 } }] as unknown as ShardProgress[];
    const rows = (await abReport(deps, issue, shards)).variants.map((v) => [v.variant, v.sent]);
    // A's delivered one and the rest's resent one count; B's failed resend and waiting one do not.
    expect(rows).toEqual([
      ['a', 4],
      ['b', 2],
      ['rest', 11],
    ]);
  });
});
