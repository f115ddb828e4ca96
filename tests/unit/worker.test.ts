import { beforeEach, describe, expect, it } from 'vitest';
import { runTick } from '../../functions/core/delivery/tick.js';
import { runWorker, SHARD_LEASE_MS } from '../../functions/core/delivery/worker.js';
import { processedOf } from '../../functions/core/issues/issue.js';
import {
  cancelIssue,
  createArticleIssue,
  findOrCreateEditorSend,
  issueReport,
  pauseIssue,
  resumeIssue,
  scheduleIssue,
  sendIssueNow,
} from '../../functions/core/issues/manage-issues.js';
import { MailFailure } from '../../functions/core/ports.js';
import { SEND_SHARDS, sendShardOf } from '../../functions/core/subscribers/subscriber.js';
import { aSubscriber, anArticle, memoryDeliveryDeps } from '../support/builders.js';

type Deps = ReturnType<typeof memoryDeliveryDeps>;

/** Sends in flight per worker for the tests that follow (each describe sets its own). */
let lanesUnderTest = 1;

async function withReaders(count: number, overrides = {}) {
  const deps = memoryDeliveryDeps();
  deps.pacing = { ...deps.pacing, lanes: lanesUnderTest };
  const readers = Array.from({ length: count }, () => aSubscriber(overrides));
  for (const r of readers) await deps.subscribers.create(r);
  return { deps, readers };
}

async function sendNow(deps: Deps, slug = 'test-article') {
  const issue = await findOrCreateEditorSend(deps, slug);
  await sendIssueNow(deps, issue.id);
  return issue.id;
}

const perRecipient = (deps: Deps) => {
  const counts = new Map<string, number>();
  for (const m of deps.mailer.sent) counts.set(m.to, (counts.get(m.to) ?? 0) + 1);
  return counts;
};

/**
 * A worker whose process dies during its `n`th send: that SES call never answers, so nothing the
 * worker would write after it is written. Later sends (the next worker's) go through again.
 */
async function workerDiesDuringSend(deps: Deps, issueId: string, n: number) {
  let sends = 0;
  const send = deps.mailer.send.bind(deps.mailer);
  deps.mailer.send = (message) => (++sends === n ? new Promise(() => {}) : send(message));
  void runWorker(deps, { issueId, workerId: 'dies' });
  await new Promise((r) => setTimeout(r, 50));
  deps.mailer.send = send;
}

/** The next worker, once the dead one's shard lease has run out. */
async function nextWorkerOnceLeaseRunsOut(deps: Deps, issueId: string) {
  deps.clock.advance(SHARD_LEASE_MS + 1);
  return runWorker(deps, { issueId, workerId: 'next' });
}

for (const lanes of [1, 4])
  describe(`the send worker, ${lanes} lane(s) in flight`, () => {
    beforeEach(() => {
      lanesUnderTest = lanes;
    });

    it('mails each confirmed subscriber in the audience once, renders once, and finishes the issue', async () => {
      const { deps, readers } = await withReaders(120);
      for (const other of [
        aSubscriber({ state: 'pending' }),
        aSubscriber({ state: 'unsubscribed' }),
        aSubscriber({ topics: ['economy'] }),
      ]) {
        await deps.subscribers.create(other);
      }
      const id = await sendNow(deps);

      expect(await runWorker(deps, { issueId: id })).toMatchObject({
        stoppedBecause: 'issue_finished',
        sent: 120,
      });

      expect([...perRecipient(deps).keys()].sort()).toEqual(readers.map((r) => r.email).sort());
      expect([...perRecipient(deps).values()].every((n) => n === 1)).toBe(true);
      expect(deps.renderer.renders).toBe(1);
      const report = await issueReport(deps, id);
      expect(report.issue.state).toBe('sent');
      expect(report.counts).toEqual({
        sent: 120,
        skipped: 0,
        failed: 0,
        suppressed: 0,
        ambiguous: 0,
      });
      expect(report.remaining).toBe(0);
      const mail = deps.mailer.sent[0]!;
      expect(mail.headers?.['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
      expect(mail.tags).toEqual({ kind: 'issue', issue: id });
    });

    it('sends only to the frequencies in the audience', async () => {
      const deps = memoryDeliveryDeps();
      const daily = aSubscriber({ frequency: 'daily' });
      const immediate = aSubscriber({ frequency: 'immediate' });
      await deps.subscribers.create(daily);
      await deps.subscribers.create(immediate);
      const issue = await createArticleIssue(deps, {
        article: 'test-article',
        frequencies: ['immediate'],
      });
      await sendIssueNow(deps, issue.id);
      await runWorker(deps, { issueId: issue.id });
      expect(deps.mailer.sent.map((m) => m.to)).toEqual([immediate.email]);
    });

    it('lets several workers share an issue without overlap', async () => {
      const { deps } = await withReaders(300);
      const id = await sendNow(deps);
      const results = await Promise.all(
        [1, 2, 3, 4].map((n) => runWorker(deps, { issueId: id, workerId: `w${n}` })),
      );
      expect(results.reduce((sum, r) => sum + r.sent, 0)).toBe(300);
      expect(results.filter((r) => r.sent > 0).length).toBeGreaterThan(1);
      expect(deps.mailer.sent).toHaveLength(300);
      expect(new Set(deps.mailer.sent.map((m) => m.to)).size).toBe(300);
    });

    it('retries throttling and sends that never reached SES until each message is taken: neither is ever a failure', async () => {
      const { deps } = await withReaders(40);
      let calls = 0;
      deps.mailer.failWith = () => {
        calls++;
        if (calls % 3 === 1)
          return new MailFailure('throttled', 'Throttling: Maximum sending rate exceeded.');
        if (calls % 7 === 0) return new MailFailure('transient', 'connect ECONNREFUSED');
        return undefined;
      };
      const id = await sendNow(deps);
      await runWorker(deps, { issueId: id });
      expect((await issueReport(deps, id)).counts).toMatchObject({ sent: 40, failed: 0 });
      expect([...perRecipient(deps).values()].every((n) => n === 1)).toBe(true);
    });

    it('never resends a recipient whose outcome is unknown, and lists them in the report', async () => {
      const { deps, readers } = await withReaders(10);
      const unlucky = readers[3]!;
      deps.mailer.failWith = (m) =>
        m.to === unlucky.email ? new MailFailure('unknown', 'socket hang up') : undefined;
      const id = await sendNow(deps);
      await runWorker(deps, { issueId: id });
      const report = await issueReport(deps, id);
      expect(report.ambiguous).toEqual([unlucky.id]);
      expect(report.counts).toMatchObject({ sent: 9, ambiguous: 1 });

      deps.mailer.failWith = undefined;
      const again = await findOrCreateEditorSend(deps, 'test-article');
      expect(again.state).toBe('sent');
      expect(deps.mailer.to(unlucky.email)).toHaveLength(0);
    });

    it('counts SES refusals as failures with their reason, and skips suppressed addresses', async () => {
      const { deps, readers } = await withReaders(6);
      await deps.suppressions.suppress(readers[0]!.email, 'complaint', new Date());
      deps.mailer.failWith = (m) =>
        m.to === readers[1]!.email
          ? new MailFailure('rejected', 'MessageRejected: Email address is not verified.')
          : undefined;
      const id = await sendNow(deps);
      await runWorker(deps, { issueId: id });
      const report = await issueReport(deps, id);
      expect(report.counts).toEqual({
        sent: 4,
        skipped: 0,
        failed: 1,
        suppressed: 1,
        ambiguous: 0,
      });
      expect(report.failures).toEqual([
        { subscriberId: readers[1]!.id, reason: 'MessageRejected: Email address is not verified.' },
      ]);
      expect(deps.mailer.to(readers[0]!.email)).toHaveLength(0);
    });

    it('stops when an editor pauses mid-send; resumed, it sends the rest and the counts add up', async () => {
      const { deps } = await withReaders(200);
      const id = await sendNow(deps);
      deps.mailer.failWith = () => {
        if (deps.mailer.sent.length === 50) {
          void pauseIssue(deps, id);
          deps.clock.advance(2_000); // the worker re-reads its issue once a second
        }
        return undefined;
      };
      expect(await runWorker(deps, { issueId: id })).toMatchObject({
        stoppedBecause: 'issue_stopped',
      });
      const paused = await issueReport(deps, id);
      expect(paused.issue.state).toBe('paused');
      expect(deps.mailer.sent.length).toBeLessThan(200);
      expect(processedOf(paused.counts) + paused.remaining).toBe(200);

      deps.mailer.failWith = undefined;
      await resumeIssue(deps, id);
      await runWorker(deps, { issueId: id });
      const done = await issueReport(deps, id);
      expect(done.issue.state).toBe('sent');
      expect(done.counts.sent).toBe(200);
      expect(new Set(deps.mailer.sent.map((m) => m.to)).size).toBe(200);
      expect(deps.mailer.sent).toHaveLength(200);
    });

    it('sends nothing more after a cancel, and the report accounts for everyone', async () => {
      const { deps } = await withReaders(150);
      const id = await sendNow(deps);
      deps.mailer.failWith = () => {
        if (deps.mailer.sent.length === 30) {
          void cancelIssue(deps, id);
          deps.clock.advance(2_000);
        }
        return undefined;
      };
      await runWorker(deps, { issueId: id });
      const sentAtCancel = deps.mailer.sent.length;
      await runWorker(deps);
      expect(deps.mailer.sent).toHaveLength(sentAtCancel);
      const report = await issueReport(deps, id);
      expect(report.issue.state).toBe('cancelled');
      expect(report.counts.sent + report.remaining).toBe(150);
    });

    it('stops before its deadline and hands its shard to the next worker', async () => {
      const { deps } = await withReaders(100);
      const id = await sendNow(deps);
      const deadline = deps.clock.now().getTime() + 60_000;
      deps.mailer.failWith = () => {
        deps.clock.advance(1_000); // each send takes a second of the budget
        return undefined;
      };
      const first = await runWorker(deps, { deadline });
      expect(first.stoppedBecause).toBe('deadline');
      expect(first.sent).toBeGreaterThan(40);
      expect(first.sent).toBeLessThan(60);
      expect(deps.clock.now().getTime()).toBeLessThanOrEqual(deadline);
      // The page it left mid-way is counted too: the report is what SES took, at every moment.
      expect((await issueReport(deps, id)).counts.sent).toBe(first.sent);

      deps.mailer.failWith = undefined;
      await runWorker(deps); // no waiting for a lease: the first worker handed its shard back
      expect((await issueReport(deps, id)).issue.state).toBe('sent');
      expect(deps.mailer.sent).toHaveLength(100);
    });

    it('stops claiming in a shard whose lease another worker took, and leaves its counts to that worker', async () => {
      const { deps, readers } = await withReaders(60);
      const id = await sendNow(deps);
      Object.assign(deps.pacing, { leaseMs: 1_000 });
      const byEmail = new Map(readers.map((r) => [r.email, r]));
      const shardOf = (email: string) => sendShardOf(byEmail.get(email)!.id, SEND_SHARDS);
      let takenShard: number | undefined;
      let sentThereWhenTaken = 0;
      deps.mailer.failWith = (message) => {
        if (deps.mailer.sent.length === 3 && takenShard === undefined) {
          // The worker stalls past its lease mid-page, and another worker takes the shard.
          takenShard = shardOf(message.to);
          // This message goes out (it is in flight), then nothing more of that shard from this worker.
          sentThereWhenTaken =
            1 + deps.mailer.sent.filter((m) => shardOf(m.to) === takenShard).length;
          deps.clock.advance(1_001);
          void deps.issues.claimShard(
            id,
            takenShard,
            'other',
            deps.clock.now(),
            new Date(deps.clock.now().getTime() + 60_000),
          );
        }
        return undefined;
      };
      // Alone on no particular issue, it works every other shard and leaves the taken one.
      expect(await runWorker(deps, { workerId: 'stalled' })).toMatchObject({
        stoppedBecause: 'idle',
      });
      deps.mailer.failWith = undefined;
      expect(deps.mailer.sent.filter((m) => shardOf(m.to) === takenShard)).toHaveLength(
        sentThereWhenTaken,
      );
      expect((await issueReport(deps, id)).issue.state).toBe('sending');

      await runWorker(deps, { issueId: id, workerId: 'other' });
      const report = await issueReport(deps, id);
      expect(report.issue.state).toBe('sent');
      expect(report.counts).toMatchObject({ sent: 60, ambiguous: 0 });
      expect([...perRecipient(deps).values()].every((n) => n === 1)).toBe(true);
      expect(deps.mailer.sent).toHaveLength(60);
    });

    it('resumes a shard whose worker died once its lease runs out', async () => {
      const { deps } = await withReaders(50);
      const id = await sendNow(deps);
      for (let shard = 0; shard < SEND_SHARDS; shard++)
        await deps.issues.claimShard(
          id,
          shard,
          'dead-worker',
          deps.clock.now(),
          new Date(deps.clock.now().getTime() + SHARD_LEASE_MS),
        );
      expect(await runWorker(deps)).toMatchObject({ stoppedBecause: 'idle', sent: 0 });
      deps.clock.advance(SHARD_LEASE_MS + 1);
      expect(await runWorker(deps)).toMatchObject({ sent: 50 });
    });

    it('pauses for the daily quota, and the tick resumes the issue when the wait is over', async () => {
      const { deps } = await withReaders(80);
      deps.quota.quota = { maxSendRate: 100, max24HourSend: 1_000, sentLast24Hours: 970 };
      const id = await sendNow(deps);
      expect(await runWorker(deps, { issueId: id })).toMatchObject({ stoppedBecause: 'quota' });
      const paused = await issueReport(deps, id);
      expect(paused.issue).toMatchObject({ state: 'paused', pause: { reason: 'daily_quota' } });
      expect(deps.mailer.sent.length).toBeLessThanOrEqual(30);

      deps.quota.quota = { maxSendRate: 100, max24HourSend: 1_000, sentLast24Hours: 0 };
      expect((await runTick(deps)).resumed).toEqual([]);
      deps.clock.advance(61 * 60_000);
      const tick = await runTick(deps);
      expect(tick.resumed).toEqual([id]);
      expect((await issueReport(deps, id)).issue.state).toBe('sent');
      expect(new Set(deps.mailer.sent.map((m) => m.to)).size).toBe(80);
    });

    it('pauses the issue and stops at once when SES pauses the account, and says why', async () => {
      const { deps } = await withReaders(10);
      deps.mailer.failWith = () =>
        new MailFailure(
          'account_paused',
          'AccountSendingPausedException: Email sending is disabled',
        );
      const id = await sendNow(deps);
      expect(await runWorker(deps, { issueId: id })).toMatchObject({
        stoppedBecause: 'account_paused',
        sent: 0,
      });
      const { issue } = await issueReport(deps, id);
      expect(issue).toMatchObject({ state: 'paused', pause: { reason: 'account_paused' } });
      expect(issue.pause?.message).toMatch(/AccountSendingPaused.*resumes the issue/);
    });
  });

describe('a worker that dies mid-page, one lane', () => {
  beforeEach(() => {
    lanesUnderTest = 1;
  });

  it('after a worker dies mid-page, counts its sends from the receipts its claims carried: only the message in flight is unknown', async () => {
    const { deps, readers } = await withReaders(30); // one page per shard at most
    const id = await sendNow(deps);
    await workerDiesDuringSend(deps, id, 13);
    expect(deps.mailer.sent).toHaveLength(12);
    const claimedOnly = [...deps.ledger.entries.values()].filter((e) => e.status === 'claimed');
    expect(claimedOnly.length).toBeGreaterThan(0); // the dead worker's page was never marked

    await nextWorkerOnceLeaseRunsOut(deps, id);

    const report = await issueReport(deps, id);
    expect(report.issue.state).toBe('sent');
    expect([...perRecipient(deps).values()].every((n) => n === 1)).toBe(true);
    const inFlight = readers.filter((r) => !deps.mailer.to(r.email).length);
    expect(inFlight).toHaveLength(1);
    expect(report.ambiguous).toEqual([inFlight[0]!.id]);
    expect(report.counts).toMatchObject({ sent: 29, ambiguous: 1 });
    // Every send before the one in flight is marked in the ledger, with SES's message id.
    const entries = [...deps.ledger.entries.values()];
    expect(entries.filter((e) => e.status === 'sent' && e.messageId)).toHaveLength(29);
  });

  for (const leaves of ['bounces', 'unsubscribes'] as const) {
    it(`settles a send whose receipt sits on the claim of a reader who ${leaves} before the page is redone`, async () => {
      // 30 readers of one shard: one page, so the dead worker's claims all wait for the page's end.
      const deps = memoryDeliveryDeps();
      const readers: ReturnType<typeof aSubscriber>[] = [];
      while (readers.length < 30) {
        const reader = aSubscriber();
        if (sendShardOf(reader.id, SEND_SHARDS) === 0) readers.push(reader);
      }
      for (const r of readers) await deps.subscribers.create(r);
      const id = await sendNow(deps);
      await workerDiesDuringSend(deps, id, 13);
      // The 6th reader mailed: its claim carries the 5th's receipt, and nothing else does.
      const sixth = readers.find((r) => r.email === deps.mailer.sent[5]!.to)!;
      const carrier = [...deps.ledger.entries.values()].find((e) => e.subscriberId === sixth.id)!;
      expect(carrier).toMatchObject({
        status: 'claimed',
        previousSent: {
          subscriberId: readers.find((r) => r.email === deps.mailer.sent[4]!.to)!.id,
        },
      });
      const proven = carrier.previousSent!.subscriberId;
      const leaver = readers.find((r) => r.id === carrier.subscriberId)!;
      if (leaves === 'bounces')
        await deps.suppressions.suppress(leaver.email, 'bounce', deps.clock.now());
      else
        await deps.subscribers.save({
          ...leaver,
          state: 'unsubscribed',
          version: leaver.version + 1,
        });

      await nextWorkerOnceLeaseRunsOut(deps, id);

      const report = await issueReport(deps, id);
      expect(report.issue.state).toBe('sent');
      expect([...perRecipient(deps).values()].every((n) => n === 1)).toBe(true);
      const inFlight = readers.filter((r) => !deps.mailer.to(r.email).length);
      expect(report.ambiguous).toEqual([inFlight[0]!.id]); // still only the message in flight
      expect(deps.ledger.entries.get(`${report.issue.deliveryKey}/${proven}`)).toMatchObject({
        status: 'sent',
        messageId: expect.stringMatching(/^memory-/),
      });
    });
  }
});

describe('issue transitions', () => {
  it('let one of two concurrent "send now" calls start the issue; each reader gets one email', async () => {
    const { deps } = await withReaders(20);
    const issue = await createArticleIssue(deps, { article: 'test-article' });
    const results = await Promise.all([sendIssueNow(deps, issue.id), sendIssueNow(deps, issue.id)]);
    expect(results.filter((r) => r.changed)).toHaveLength(1);
    await Promise.all([
      runWorker(deps, { issueId: issue.id }),
      runWorker(deps, { issueId: issue.id }),
    ]);
    expect(deps.mailer.sent).toHaveLength(20);
  });

  it('refuse moves the state does not allow, naming the state', async () => {
    const { deps } = await withReaders(1);
    const id = await sendNow(deps);
    await runWorker(deps, { issueId: id });
    await expect(pauseIssue(deps, id)).rejects.toThrow(/is sent; it cannot be paused/);
    await expect(cancelIssue(deps, id)).rejects.toMatchObject({ code: 'conflict' });
  });

  it('start a scheduled issue at its time, not before', async () => {
    const { deps } = await withReaders(5);
    const issue = await createArticleIssue(deps, { article: 'test-article' });
    await scheduleIssue(deps, issue.id, new Date(deps.clock.now().getTime() + 3_600_000));
    expect((await runTick(deps)).started).toEqual([]);
    expect(deps.mailer.sent).toHaveLength(0);
    deps.clock.advance(3_600_000);
    expect((await runTick(deps)).started).toEqual([issue.id]);
    expect(deps.mailer.sent).toHaveLength(5);
  });

  it('validate what an editor creates, field by field', async () => {
    const deps = memoryDeliveryDeps();
    await expect(createArticleIssue(deps, { article: 'no-such-article' })).rejects.toMatchObject({
      details: { issues: [{ field: 'article' }] },
    });
    await expect(
      createArticleIssue(deps, { article: 'test-article', subject: 'a\r\nBcc: x@example.com' }),
    ).rejects.toMatchObject({ details: { issues: [{ field: 'subject' }] } });
    await expect(
      createArticleIssue(deps, { article: 'test-article', topics: ['astrology'] }),
    ).rejects.toMatchObject({ code: 'invalid_input' });
    const issue = await createArticleIssue(deps, { article: 'test-article' });
    await expect(scheduleIssue(deps, issue.id, new Date('2020-01-01'))).rejects.toMatchObject({
      details: { issues: [{ field: 'at', message: 'must be in the future' }] },
    });
  });
});

describe('readers who chose every article, and digests', () => {
  it('do not get the archive on a first start, and get each new article once, shared with the editor’s send', async () => {
    const first = anArticle({ slug: 'first', title: 'First' });
    const deps = memoryDeliveryDeps([first]);
    const immediate = aSubscriber({ frequency: 'immediate' });
    const weekly = aSubscriber({ frequency: 'weekly' });
    await deps.subscribers.create(immediate);
    await deps.subscribers.create(weekly);

    expect((await runTick(deps)).published).toEqual([]);
    expect(deps.mailer.sent).toHaveLength(0);

    // Its front matter opts it in to being mailed when published (the default waits: approvals).
    deps.articles.list.push(
      anArticle({ slug: 'second', title: 'Second', sendWhenPublished: true }),
    );
    const [a, b] = await Promise.all([runTick(deps), runTick(deps)]);
    expect([...a.published, ...b.published]).toEqual(['publish-second']);
    expect(deps.mailer.sent.map((m) => [m.to, m.subject])).toEqual([[immediate.email, 'Second']]);

    // The editor then sends the same article to everyone: the immediate reader is not sent it again.
    const id = await sendNow(deps, 'second');
    await runWorker(deps, { issueId: id });
    expect(deps.mailer.to(immediate.email)).toHaveLength(1);
    expect(deps.mailer.to(weekly.email)).toHaveLength(1);
    expect((await issueReport(deps, id)).counts).toMatchObject({ sent: 1, skipped: 1 });
  });
});

describe('a worker with 4 lanes that dies mid-page', () => {
  /** 30 readers of shard 0: one page, so the dead worker's claims all wait for the page's end. */
  async function onePage() {
    const deps = memoryDeliveryDeps();
    deps.pacing = { ...deps.pacing, lanes: 4 };
    const readers: ReturnType<typeof aSubscriber>[] = [];
    while (readers.length < 30) {
      const reader = aSubscriber();
      if (sendShardOf(reader.id, SEND_SHARDS) === 0) readers.push(reader);
    }
    for (const r of readers) await deps.subscribers.create(r);
    return { deps, readers, id: await sendNow(deps) };
  }

  /** From the 13th send on, SES never answers: the process froze with a send in every lane. */
  async function freezesAtSend(deps: Deps, issueId: string, n: number) {
    let sends = 0;
    const send = deps.mailer.send.bind(deps.mailer);
    const hung: string[] = [];
    deps.mailer.send = (message) => {
      if (++sends < n) return send(message);
      hung.push(message.to);
      return new Promise(() => {});
    };
    void runWorker(deps, { issueId, workerId: 'dies' });
    await new Promise((r) => setTimeout(r, 50));
    deps.mailer.send = send;
    return hung;
  }

  it('leaves only the sends in flight unknown (one per lane at most), and sends nobody twice', async () => {
    const { deps, readers, id } = await onePage();
    const hung = await freezesAtSend(deps, id, 13);
    expect(deps.mailer.sent).toHaveLength(12);
    expect(hung.length).toBeGreaterThan(1); // several lanes were in flight
    expect(hung.length).toBeLessThanOrEqual(4);

    await nextWorkerOnceLeaseRunsOut(deps, id);

    const report = await issueReport(deps, id);
    expect(report.issue.state).toBe('sent');
    expect([...perRecipient(deps).values()].every((n) => n === 1)).toBe(true);
    const hungIds = readers.filter((r) => hung.includes(r.email)).map((r) => r.id);
    expect([...report.ambiguous].sort()).toEqual(hungIds.sort());
    expect(report.counts).toMatchObject({ sent: 30 - hung.length, ambiguous: hung.length });
    const entries = [...deps.ledger.entries.values()];
    expect(entries.filter((e) => e.status === 'sent' && e.messageId)).toHaveLength(
      30 - hung.length,
    );
  });

  it('finds a receipt on the later claim of the same lane when that claim’s reader has left', async () => {
    const { deps, readers, id } = await onePage();
    const hung = await freezesAtSend(deps, id, 13);
    // A carrier that is not the next reader in id order: lanes interleave.
    const byId = [...readers].sort((a, b) => (a.id < b.id ? -1 : 1)).map((r) => r.id);
    const carrier = [...deps.ledger.entries.values()].find(
      (e) =>
        e.previousSent &&
        byId.indexOf(e.subscriberId) !== byId.indexOf(e.previousSent.subscriberId) + 1,
    )!;
    expect(carrier).toBeDefined();
    expect(carrier.subscriberId > carrier.previousSent!.subscriberId).toBe(true);
    const leaver = readers.find((r) => r.id === carrier.subscriberId)!;
    await deps.subscribers.save({ ...leaver, state: 'unsubscribed', version: leaver.version + 1 });

    await nextWorkerOnceLeaseRunsOut(deps, id);

    const report = await issueReport(deps, id);
    expect([...perRecipient(deps).values()].every((n) => n === 1)).toBe(true);
    expect(report.ambiguous.length).toBeLessThanOrEqual(hung.length);
    const proven = deps.ledger.entries.get(
      `${report.issue.deliveryKey}/${carrier.previousSent!.subscriberId}`,
    );
    expect(proven).toMatchObject({ status: 'sent', messageId: expect.stringMatching(/^memory-/) });
  });
});
