import { randomBytes, randomUUID } from 'node:crypto';
import { beforeAll, afterAll, describe, expect, it } from 'vitest';
import type { RateLimiter } from '../../functions/core/abuse/ports.js';
import type { AuditLog } from '../../functions/core/access/audit.js';
import type { SenderRegistry } from '../../functions/core/delivery/deps.js';
import { noEngagement, type Issue } from '../../functions/core/issues/issue.js';
import type {
  DeliveryLedger,
  EngagementStore,
  EventLog,
  IssueRepository,
  PublicationLog,
  SignupReads,
  SubscriberRepository,
  SuppressionList,
} from '../../functions/core/ports.js';
import { queuedEntry, claimed, givenUp, sent } from '../../functions/core/outbox/entry.js';
import type { OutboxStore } from '../../functions/core/outbox/ports.js';
import { mutateSubscriber } from '../../functions/core/subscribers/mutate.js';
import { owingCounts } from '../../functions/core/subscribers/stats.js';
import {
  RECIPIENT_SHARDS,
  SEND_SHARDS,
  sendShardOf,
  type Subscriber,
} from '../../functions/core/subscribers/subscriber.js';
import { anArticle, aSubscriber } from './builders.js';
import { segmentStoreContract } from './segment-contract.js';
import type { SegmentStore } from '../../functions/core/segments/ports.js';
import type { WorkspaceArticleStore } from '../../functions/core/articles/ports.js';
import { workspaceArticleStoreContract } from './workspace-article-contract.js';

/**
 * One contract for the storage ports, run against every implementation we have: the adapters on
 * dynalite (the local stack's default) and on DynamoDB Local (AWS's own emulator), and the memory
 * fakes the unit tests use. They must behave the same on all three, and on AWS: a fake that
 * drifts from DynamoDB makes unit tests pass (or flake) for reasons production does not share.
 * Every case runs everywhere; the adapters share one store for the whole suite, as a table would.
 */
export type ContractAdapters = {
  subscribers: SubscriberRepository;
  ledger: DeliveryLedger;
  issues: IssueRepository;
  suppressions: SuppressionList;
  events: EventLog;
  publications: PublicationLog;
  rateLimiter: RateLimiter;
  outbox: OutboxStore;
  signupReads: SignupReads;
  senders: SenderRegistry;
  auditLog: AuditLog;
  engagement: EngagementStore;
  segments: SegmentStore;
  workspaceArticles: WorkspaceArticleStore;
};

export type ContractSubject = { adapters: ContractAdapters; close?: () => Promise<void> };

function anIssue(overrides: Partial<Issue> = {}): Issue {
  const now = new Date().toISOString();
  return {
    id: `issue-${randomUUID()}`,
    content: { kind: 'article', slug: 'x' },
    subject: 'S',
    audience: { topics: ['security'], frequencies: ['weekly'] },
    state: 'draft',
    deliveryKey: 'article:x',
    createdAt: now,
    updatedAt: now,
    version: 1,
    ...overrides,
  };
}

export function describeAdapterContract(name: string, open: () => Promise<ContractSubject>) {
  describe(`the storage contract on ${name}`, () => {
    let subject: ContractSubject;
    let subscribers: SubscriberRepository;
    let ledger: DeliveryLedger;
    let issues: IssueRepository;
    let suppressions: SuppressionList;
    let events: EventLog;
    let publications: PublicationLog;
    let rateLimiter: RateLimiter;
    let outbox: OutboxStore;
    let signupReads: SignupReads;
    let senders: SenderRegistry;
    let auditLog: AuditLog;
    let engagement: EngagementStore;

    beforeAll(async () => {
      subject = await open();
      ({
        subscribers,
        ledger,
        issues,
        suppressions,
        events,
        publications,
        rateLimiter,
        outbox,
        signupReads,
        senders,
        auditLog,
        engagement,
      } = subject.adapters);
    });
    afterAll(async () => subject?.close?.());

    async function readAll(query: {
      topics: string[];
      frequencies?: Subscriber['frequency'][];
      limit?: number;
      shards?: number;
    }) {
      const found: Subscriber[] = [];
      for (let shard = 0; shard < (query.shards ?? RECIPIENT_SHARDS); shard++) {
        let cursor: string | undefined;
        do {
          const page = await subscribers.listRecipients({ shard, ...query, cursor });
          found.push(...page.items);
          cursor = page.cursor;
        } while (cursor);
      }
      return found;
    }

    it('creates a subscriber once: a second create of the same id is refused', async () => {
      const reader = aSubscriber({ state: 'pending' });
      expect(await subscribers.create(reader)).toBe(true);
      expect(await subscribers.create({ ...reader, topics: ['economy'] })).toBe(false);
      expect(await subscribers.get(reader.id)).toEqual(reader);
    });

    it('saves only over the version it read', async () => {
      const reader = aSubscriber();
      await subscribers.create(reader);
      expect(await subscribers.save({ ...reader, frequency: 'daily', version: 2 })).toBe(true);
      expect(await subscribers.save({ ...reader, frequency: 'immediate', version: 2 })).toBe(false);
      expect(await subscribers.get(reader.id)).toMatchObject({ frequency: 'daily', version: 2 });
    });

    it("keeps a reader's activity on the record: to a day, never backwards, without the version, never for a record that is gone", async () => {
      const reader = aSubscriber();
      await subscribers.create(reader);
      const day = (d: number, h = 0) => new Date(Date.UTC(2026, 10, d, h));
      expect(await subscribers.noteActivity(reader.id, 'opened', day(1))).toBe(true);
      // Fifty opens later that day, and one older event come late: nothing written.
      for (let h = 1; h < 24; h++)
        expect(await subscribers.noteActivity(reader.id, 'opened', day(1, h))).toBe(false);
      expect(await subscribers.noteActivity(reader.id, 'opened', day(0))).toBe(false);
      expect(await subscribers.noteActivity(reader.id, 'opened', day(2, 1))).toBe(true);
      expect(await subscribers.noteActivity(reader.id, 'clicked', day(2, 2))).toBe(true);
      expect(await subscribers.noteActivity(reader.id, 'sent', day(1))).toBe(true);
      expect(await subscribers.noteActivity(reader.id, 'sent', day(3))).toBe(false);
      const stored = await subscribers.get(reader.id);
      expect(stored).toMatchObject({
        lastOpenedAt: day(2, 1).toISOString(),
        lastClickedAt: day(2, 2).toISOString(),
        firstSentAt: day(1).toISOString(),
        version: reader.version,
      });
      // A version-conditioned write made from the read before still lands.
      expect(await subscribers.save({ ...stored!, frequency: 'daily', version: 2 })).toBe(true);
      await subscribers.delete(reader.id);
      expect(await subscribers.noteActivity(reader.id, 'opened', day(9))).toBe(false);
      expect(await subscribers.get(reader.id)).toBeUndefined();
    });

    it('loses no update among concurrent writers of one subscriber', async () => {
      const reader = aSubscriber({ topics: [] });
      await subscribers.create(reader);
      const topics = ['a', 'b', 'c', 'd', 'e', 'f'];
      await Promise.all(
        topics.map((t) =>
          mutateSubscriber(subscribers, reader.id, (s) => ({ ...s, topics: [...s.topics, t] })),
        ),
      );
      const stored = await subscribers.get(reader.id);
      expect(stored?.topics.sort()).toEqual(topics);
      expect(stored?.version).toBe(1 + topics.length);
    });

    it('lists each confirmed subscriber of a topic exactly once across shards and pages, and no one else', async () => {
      const topic = `t-${randomUUID().slice(0, 8)}`;
      const wanted = Array.from({ length: 45 }, (_, i) =>
        aSubscriber({ topics: [topic, 'security'], frequency: i % 3 === 0 ? 'daily' : 'weekly' }),
      );
      const unwanted = [
        aSubscriber({ topics: [topic], state: 'pending' }),
        aSubscriber({ topics: [topic], state: 'unsubscribed' }),
        aSubscriber({ topics: [topic], state: 'bounced' }),
        aSubscriber({ topics: ['other'] }),
      ];
      for (const s of [...wanted, ...unwanted]) await subscribers.create(s);

      const found = await readAll({ topics: [topic], limit: 7 });
      expect(found.map((s) => s.id).sort()).toEqual(wanted.map((s) => s.id).sort());
      expect(found[0]).toEqual(wanted.find((w) => w.id === found[0]!.id));

      let counted = 0;
      for (let shard = 0; shard < RECIPIENT_SHARDS; shard++)
        counted += await subscribers.countRecipients({ shard, topics: [topic] });
      expect(counted).toBe(45);

      const daily = await readAll({ topics: [topic], frequencies: ['daily'] });
      expect(daily).toHaveLength(15);
    });

    it('lists each reader in the one send shard its id names, when an issue splits the 8 partitions into id ranges', async () => {
      const topic = `t-${randomUUID().slice(0, 8)}`;
      const readers = Array.from({ length: 120 }, () => aSubscriber({ topics: [topic] }));
      for (const s of readers) await subscribers.create(s);
      const byShard = new Map<number, string[]>();
      for (let shard = 0; shard < SEND_SHARDS; shard++) {
        const page = await subscribers.listRecipients({
          shard,
          shards: SEND_SHARDS,
          topics: [topic],
        });
        byShard.set(shard, page.items.map((s) => s.id).sort());
      }
      for (const [shard, ids] of byShard)
        expect(ids).toEqual(
          readers
            .filter((r) => sendShardOf(r.id, SEND_SHARDS) === shard)
            .map((r) => r.id)
            .sort(),
        );
      // 120 readers over 32 ranges: every range is reached, none takes a crowd.
      expect([...byShard.values()].filter((ids) => ids.length > 0).length).toBeGreaterThan(24);
      expect(Math.max(...[...byShard.values()].map((ids) => ids.length))).toBeLessThan(15);
      const all = await readAll({ topics: [topic], shards: SEND_SHARDS, limit: 3 });
      expect(all.map((s) => s.id).sort()).toEqual(readers.map((r) => r.id).sort());
    });

    it('keeps the dashboard’s counters in step with every create, save and delete', async () => {
      const before = await subscribers.counts();
      const c = (counts: Record<string, number>, key: string) =>
        (counts[key] ?? 0) - (before[key] ?? 0);
      const topic = `t-${randomUUID().slice(0, 8)}`;
      const pending = aSubscriber({
        topics: [topic],
        state: 'pending',
        createdAt: '2026-11-20T10:00:00.000Z',
      });
      const confirmed = aSubscriber({ topics: [topic], frequency: 'daily' });
      await subscribers.create(pending);
      await subscribers.create(confirmed);
      await subscribers.create(confirmed); // refused: counts nothing
      await subscribers.save({ ...pending, state: 'confirmed', version: 2 });
      await subscribers.save({
        ...confirmed,
        state: 'unsubscribed',
        unsubscribedAt: '2026-11-28T09:00:00.000Z',
        version: 2,
      });
      await subscribers.save({ ...confirmed, state: 'confirmed', version: 2 }); // stale version: refused
      let now = await subscribers.counts();
      expect([
        c(now, `topic:${topic}`),
        c(now, 'state:pending'),
        c(now, 'state:unsubscribed'),
        c(now, 'joined:2026-11-20'),
        c(now, 'left:2026-11-28'),
      ]).toEqual([1, 0, 1, 1, 1]);
      await subscribers.delete(pending.id);
      now = await subscribers.counts();
      expect(c(now, `topic:${topic}`)).toBe(0);
      expect(c(now, 'state:confirmed')).toBe(0);
      // A day's joins and leaves are history: an erasure does not take them back.
      expect([c(now, 'joined:2026-11-20'), c(now, 'left:2026-11-28')]).toEqual([1, 1]);
    });

    it('leaves a signup’s counters owed on its record until the record’s next write, and an erasure settles them too', async () => {
      const before = await subscribers.counts();
      const c = (counts: Record<string, number>, key: string) =>
        (counts[key] ?? 0) - (before[key] ?? 0);
      const day = '2031-05-17';
      const keys = ['state:pending', 'state:unsubscribed', `joined:${day}`];
      const fresh = owingCounts(
        undefined,
        aSubscriber({ state: 'pending', createdAt: `${day}T10:00:00.000Z` }),
      );
      expect(await subscribers.writeSignup(fresh, 0)).toBe(true);
      // The signup's one write counted nothing yet; its record carries what it owes.
      let now = await subscribers.counts();
      expect(keys.map((k) => c(now, k))).toEqual([0, 0, 0]);
      const stored = (await subscribers.get(fresh.id))!;
      expect(stored.countsOwed).toEqual({ 'state:pending': 1, [`joined:${day}`]: 1 });
      // The outbox's claim (any save) settles it, and the record owes nothing after.
      expect(await subscribers.save({ ...stored, version: stored.version + 1 })).toBe(true);
      now = await subscribers.counts();
      expect(keys.map((k) => c(now, k))).toEqual([1, 0, 1]);
      expect((await subscribers.get(fresh.id))!.countsOwed).toBeUndefined();
      // A returning reader's signup owes its move, added to whatever was still owed.
      const left = (await subscribers.get(fresh.id))!;
      await subscribers.save({ ...left, state: 'unsubscribed', version: left.version + 1 });
      const gone = (await subscribers.get(fresh.id))!;
      const back = owingCounts(gone, { ...gone, state: 'pending', version: gone.version + 1 });
      expect(await subscribers.writeSignup(back, gone.version)).toBe(true);
      const again = owingCounts(back, { ...back, version: back.version + 1 });
      expect(await subscribers.writeSignup(again, back.version)).toBe(true);
      now = await subscribers.counts();
      expect(keys.map((k) => c(now, k))).toEqual([0, 1, 1]);
      // Erased before the outbox took it: the deletion settles what the record owed.
      await subscribers.delete(fresh.id);
      now = await subscribers.counts();
      expect(keys.map((k) => c(now, k))).toEqual([0, 0, 1]);
    });

    it('reads a signup’s record and its suppression together, each as stored', async () => {
      const known = aSubscriber({ state: 'confirmed' });
      await subscribers.create(known);
      await suppressions.suppress(known.email, 'bounce', new Date());
      const unknown = aSubscriber();
      expect(await signupReads.read(known.id, known.email)).toEqual({
        stored: known,
        suppressed: true,
      });
      expect(await signupReads.read(unknown.id, unknown.email)).toEqual({
        stored: undefined,
        suppressed: false,
      });
      expect(await signupReads.read('x'.repeat(300), unknown.email)).toEqual({
        stored: undefined,
        suppressed: false,
      });
    });

    it('lists due outbox entries, abandoned claims first, then queued ones by due time', async () => {
      // Due long before anything else in the store, so these come first whatever ran before.
      const at = (iso: string) => new Date(iso);
      const holding = (
        entry: ReturnType<typeof queuedEntry>,
        state: Subscriber['state'] = 'pending',
      ) => aSubscriber({ state, outbox: entry });
      const early = holding(queuedEntry('confirmation', at('2000-01-01T00:00:00.000Z')));
      const later = holding(queuedEntry('welcome', at('2000-01-02T00:00:00.000Z')), 'confirmed');
      const notYet = holding(queuedEntry('confirmation', new Date(Date.now() + 3_600_000)));
      const inFlight = holding(
        claimed(
          queuedEntry('confirmation', at('2000-01-01T00:00:00.000Z')),
          at('2000-01-01T00:00:00.000Z'),
        ),
      );
      const done = holding(
        sent(
          queuedEntry('welcome', at('2000-01-01T00:00:00.000Z')),
          'm-1',
          at('2000-01-01T00:00:00.000Z'),
        ),
        'confirmed',
      );
      const gaveUp = holding(
        givenUp(
          queuedEntry('confirmation', at('2000-01-01T00:00:00.000Z')),
          'rejected: no',
          at('2099-01-01T00:00:00.000Z'),
        ),
      );
      for (const s of [early, later, notYet, inFlight, done, gaveUp]) await subscribers.create(s);
      const due = (await outbox.due(at('2000-01-03T00:00:00.000Z'), 3)).map((l) => l.id);
      expect(due).toEqual([inFlight.id, early.id, later.id]);
      // The gauge's reading: the earliest queuedAt of the queued and in-flight partitions' firsts.
      expect(await outbox.oldestWaiting()).toBe('2000-01-01T00:00:00.000Z');
      const [listed] = await outbox.due(at('2000-01-03T00:00:00.000Z'), 1);
      expect(listed).toMatchObject({
        holder: 'subscriber',
        to: inFlight.email,
        entry: inFlight.outbox,
      });
      expect((await outbox.failed(1)).map((l) => [l.id, l.entry.reason])).toEqual([
        [gaveUp.id, 'rejected: no'],
      ]);
      // Sent: off the index; and a test send's own item is listed as the subscribers' are.
      const message = { to: 'editor@example.org', subject: 'S', html: '<p>h</p>', text: 't' };
      const test = {
        id: randomUUID(),
        message,
        outbox: queuedEntry('test', at('2000-01-02T12:00:00.000Z')),
        version: 1,
      };
      expect(await outbox.createMessage(test)).toBe(true);
      expect(await outbox.createMessage(test)).toBe(false);
      expect(await outbox.saveMessage({ ...test, version: 3 })).toBe(false);
      const ids = (await outbox.due(at('2000-01-03T00:00:00.000Z'), 10)).map((l) => l.id);
      expect(ids.indexOf(test.id)).toBeGreaterThan(ids.indexOf(later.id));
      expect(ids).not.toContain(done.id);
      expect(ids).not.toContain(notYet.id);
      expect(await outbox.getMessage(test.id)).toEqual(test);
    });

    it("lists a reader's pending webhook events: beside an entry in flight with the entry, when it is due, alone for the sweep", async () => {
      // Due before anything else in the store; taken off again at the end, so later tests' `due`
      // lists start as they did.
      const at = (iso: string) => new Date(iso);
      const pending = (iso: string) => [
        { id: `evt_${randomUUID()}`, type: 'reader.unsubscribed' as const, at: iso, data: {} },
      ];
      const beside = aSubscriber({
        state: 'pending',
        outbox: queuedEntry('confirmation', at('1990-01-01T00:00:00.000Z')),
        events: pending('1990-01-01T00:00:00.000Z'),
      });
      // Not due yet: its events do not bring it forward (its drain, when due, queues them).
      const later = aSubscriber({
        state: 'pending',
        outbox: queuedEntry('confirmation', at('2099-01-01T00:00:00.000Z')),
        events: pending('1990-01-01T00:00:00.000Z'),
      });
      const alone = aSubscriber({
        state: 'unsubscribed',
        events: pending('1990-01-02T00:00:00.000Z'),
      });
      const afterSent = aSubscriber({
        state: 'confirmed',
        outbox: sent(
          queuedEntry('welcome', at('1990-01-01T00:00:00.000Z')),
          'm',
          at('1990-01-01T00:00:00.000Z'),
        ),
        events: pending('1990-01-03T00:00:00.000Z'),
      });
      const quiet = aSubscriber({ state: 'unsubscribed' });
      for (const r of [beside, later, alone, afterSent, quiet]) await subscribers.create(r);
      const [first] = await outbox.due(at('1995-01-01T00:00:00.000Z'), 1);
      expect(first).toMatchObject({ id: beside.id, eventsPending: true, entry: beside.outbox });
      const due = (await outbox.due(at('1995-01-01T00:00:00.000Z'), 100)).map((l) => l.id);
      expect(due).not.toContain(later.id);
      const swept = (await outbox.withEvents(10)).map((ref) => ref.id);
      expect(swept.slice(0, 2)).toEqual([alone.id, afterSent.id]);
      expect(swept).not.toContain(beside.id);
      expect(swept).not.toContain(later.id);
      expect(swept).not.toContain(quiet.id);
      // Once its events are queued and taken off, a record leaves the sweep's list.
      const { events: _e, ...cleared } = alone;
      expect(await subscribers.save({ ...cleared, version: alone.version + 1 })).toBe(true);
      expect((await outbox.withEvents(10)).map((ref) => ref.id)).not.toContain(alone.id);
      for (const r of [beside, later, alone, afterSent, quiet]) await subscribers.delete(r.id);
      expect((await outbox.due(at('1995-01-01T00:00:00.000Z'), 1)).map((l) => l.id)).not.toContain(
        beside.id,
      );
    });

    it('makes a signup write of "none" cost a write and change nothing', async () => {
      const reader = aSubscriber({ state: 'confirmed' });
      await subscribers.create(reader);
      const counts = await subscribers.counts();
      const pendingTwin = { ...reader, state: 'pending' as const, version: reader.version + 1 };
      expect(await subscribers.writeSignup(pendingTwin, 'none')).toBe(false);
      expect(await subscribers.get(reader.id)).toEqual(reader);
      expect(await subscribers.counts()).toEqual(counts);
      const fresh = aSubscriber({ state: 'pending' });
      expect(await subscribers.writeSignup(fresh, 0)).toBe(true);
      expect(await subscribers.writeSignup(fresh, 0)).toBe(false);
      expect(
        await subscribers.writeSignup({ ...fresh, version: fresh.version + 1 }, fresh.version),
      ).toBe(true);
    });

    it('drops an unsubscribed reader from the recipients at once', async () => {
      const topic = `t-${randomUUID().slice(0, 8)}`;
      const reader = aSubscriber({ topics: [topic] });
      await subscribers.create(reader);
      expect(await readAll({ topics: [topic] })).toHaveLength(1);
      await subscribers.save({ ...reader, state: 'unsubscribed', version: 2 });
      expect(await readAll({ topics: [topic] })).toHaveLength(0);
    });

    it('lets exactly one of many concurrent claims through, a definite failure be claimed again, a release undo a claim', async () => {
      const key = `article:${randomUUID()}`;
      const claims = await Promise.all(
        Array.from({ length: 15 }, () => ledger.claim(key, 'sub-1', 'issue-a', new Date())),
      );
      expect(claims.filter((c) => c === 'claimed')).toHaveLength(1);
      expect(claims.find((c) => c !== 'claimed')).toMatchObject({
        deliveryKey: key,
        subscriberId: 'sub-1',
        issueId: 'issue-a',
        status: 'claimed',
      });

      await ledger.markFailed(key, 'sub-1', 'rejected: MessageRejected', new Date());
      expect(await ledger.claim(key, 'sub-1', 'issue-b', new Date())).toBe('claimed');
      await ledger.markSent(key, [
        {
          subscriberId: 'sub-1',
          issueId: 'issue-b',
          claimedAt: new Date().toISOString(),
          messageId: 'msg-1',
          sentAt: new Date().toISOString(),
        },
      ]);
      expect(await ledger.claim(key, 'sub-1', 'issue-c', new Date())).toMatchObject({
        status: 'sent',
        messageId: 'msg-1',
        issueId: 'issue-b',
      });
      await ledger.release(key, 'sub-1'); // a sent entry is never released
      expect(await ledger.claim(key, 'sub-1', 'issue-c', new Date())).toMatchObject({
        status: 'sent',
      });

      expect(await ledger.claim(key, 'sub-2', 'issue-a', new Date())).toBe('claimed');
      await ledger.release(key, 'sub-2');
      expect(await ledger.claim(key, 'sub-2', 'issue-a', new Date())).toBe('claimed');
    });

    it('recognises a claim retried after its answer was lost by its attempt id, and no other claim', async () => {
      const key = `article:${randomUUID()}`;
      const at = new Date();
      expect(await ledger.claim(key, 'sub-1', 'issue-a', at, undefined, 'attempt-1')).toBe(
        'claimed',
      );
      // The SDK's retry of a write that was applied: the same attempt, so the same claim.
      expect(await ledger.claim(key, 'sub-1', 'issue-a', at, undefined, 'attempt-1')).toBe(
        'claimed',
      );
      // Anyone else is shown the claim in place (on DynamoDB, the item the refusal returns).
      expect(await ledger.claim(key, 'sub-1', 'issue-a', at, undefined, 'attempt-2')).toMatchObject(
        { status: 'claimed', issueId: 'issue-a', attempt: 'attempt-1' },
      );
      expect(await ledger.claim(key, 'sub-1', 'issue-b', new Date())).toMatchObject({
        status: 'claimed',
        attempt: 'attempt-1',
      });
      await ledger.markSent(key, [
        {
          subscriberId: 'sub-1',
          issueId: 'issue-a',
          claimedAt: at.toISOString(),
          messageId: 'msg-1',
          sentAt: new Date().toISOString(),
        },
      ]);
      // Once sent, the entry is nobody's claim any more, not even the attempt that made it.
      expect(await ledger.claim(key, 'sub-1', 'issue-a', at, undefined, 'attempt-1')).toMatchObject(
        { status: 'sent', messageId: 'msg-1' },
      );
    });

    it("resolves an ambiguous claim only while it is still that claim: delivered joins the reader's history, release frees it", async () => {
      const key = `article:${randomUUID()}`;
      const reader = `reader-${randomUUID()}`;
      const decision = { by: 'ed', at: new Date('2026-11-28T08:00:00.000Z'), reason: 'SES log' };
      await ledger.claim(key, reader, 'issue-a', new Date(), undefined, 'attempt-1');
      expect(await ledger.entry(key, reader)).toMatchObject({
        status: 'claimed',
        attempt: 'attempt-1',
      });
      // Another claim than the one decided on: nothing changes.
      expect(
        await ledger.resolveClaim(key, reader, 'attempt-2', {
          ...decision,
          resolution: 'delivered',
        }),
      ).toBe(false);
      expect(
        await ledger.resolveClaim(key, reader, 'attempt-1', {
          ...decision,
          resolution: 'delivered',
        }),
      ).toBe(true);
      expect(await ledger.entry(key, reader)).toMatchObject({ status: 'sent', resolvedBy: 'ed' });
      expect((await ledger.history(reader)).map((e) => e.resolvedReason)).toEqual(['SES log']);
      // A sent entry is never released, and is nobody's to claim.
      expect(
        await ledger.resolveClaim(key, reader, 'attempt-1', { ...decision, resolution: 'release' }),
      ).toBe(false);
      expect(await ledger.claim(key, reader, 'issue-a', new Date())).toMatchObject({
        status: 'sent',
      });

      const other = `reader-${randomUUID()}`;
      await ledger.claim(key, other, 'issue-a', new Date(), undefined, 'attempt-3');
      expect(
        await ledger.resolveClaim(key, other, 'attempt-3', { ...decision, resolution: 'release' }),
      ).toBe(true);
      expect(await ledger.entry(key, other)).toBeUndefined();
      expect(await ledger.claim(key, other, 'issue-a', new Date())).toBe('claimed');
    });

    it('keeps the receipt a claim carries, through the claim and the mark; marks more than one batch at once', async () => {
      const key = `article:${randomUUID()}`;
      const receipt = {
        subscriberId: 'sub-0',
        messageId: 'msg-0',
        sentAt: '2026-11-28T07:00:00.000Z',
      };
      expect(await ledger.claim(key, 'sub-1', 'issue-a', new Date(), receipt)).toBe('claimed');
      expect(await ledger.claim(key, 'sub-1', 'issue-a', new Date())).toMatchObject({
        status: 'claimed',
        previousSent: receipt,
      });
      // 60 entries: three BatchWriteItem calls of at most 25.
      const sent = Array.from({ length: 60 }, (_, i) => ({
        subscriberId: `sub-${i + 1}`,
        issueId: 'issue-a',
        claimedAt: '2026-11-28T07:00:00.000Z',
        messageId: `msg-${i + 1}`,
        sentAt: '2026-11-28T07:00:01.000Z',
        ...(i === 0 && { previousSent: receipt }),
      }));
      await ledger.markSent(key, sent);
      expect(await ledger.claim(key, 'sub-1', 'issue-b', new Date())).toMatchObject({
        status: 'sent',
        messageId: 'msg-1',
        issueId: 'issue-a',
        previousSent: receipt,
      });
      expect(await ledger.claim(key, 'sub-60', 'issue-b', new Date())).toMatchObject({
        status: 'sent',
        messageId: 'msg-60',
      });
      expect((await ledger.history('sub-60')).map((e) => e.messageId)).toEqual(['msg-60']);
    });

    it('finds the receipt of a send on the later claim that carries it, reading past other entries', async () => {
      const key = `article:${randomUUID()}`;
      // 250 claims of other readers between the sent one and its carrier (ids sort as strings).
      for (let i = 0; i < 250; i++)
        await ledger.claim(key, `m-${String(i).padStart(3, '0')}`, 'issue-a', new Date());
      const receipt = {
        subscriberId: 'a-sent',
        messageId: 'msg-a',
        sentAt: '2026-11-28T07:00:00.000Z',
      };
      await ledger.claim(key, 'a-sent', 'issue-a', new Date());
      await ledger.claim(key, 'z-carrier', 'issue-a', new Date(), receipt);
      expect(await ledger.findReceipt(key, 'a-sent')).toEqual(receipt);
      expect(await ledger.findReceipt(key, 'm-100')).toBeUndefined();
      expect(await ledger.findReceipt(`article:${randomUUID()}`, 'a-sent')).toBeUndefined();
    });

    it('keeps each reader’s history of what was sent to them, newest first', async () => {
      const reader = `sub-${randomUUID()}`;
      for (const [i, day] of ['2026-11-01', '2026-11-08', '2026-11-15'].entries()) {
        const key = `article:history-${i}`;
        await ledger.claim(key, reader, `issue-${i}`, new Date(day));
        await ledger.markSent(key, [
          {
            subscriberId: reader,
            issueId: `issue-${i}`,
            claimedAt: new Date(day).toISOString(),
            messageId: `msg-${i}`,
            sentAt: `${day}T07:00:00.000Z`,
          },
        ]);
      }
      await ledger.claim('article:unsent', reader, 'issue-x', new Date()); // claimed, never sent: not history
      const history = await ledger.history(reader);
      expect(history.map((e) => [e.issueId, e.messageId])).toEqual([
        ['issue-2', 'msg-2'],
        ['issue-1', 'msg-1'],
        ['issue-0', 'msg-0'],
      ]);
      expect((await ledger.history(reader, 2)).map((e) => e.messageId)).toEqual(['msg-2', 'msg-1']);
    });

    it('moves an issue between states only over the version read, and lists it under its state', async () => {
      const issue = anIssue();
      expect(await issues.create(issue)).toBe(true);
      expect(await issues.create(issue)).toBe(false);
      expect(await issues.save({ ...issue, state: 'sending', version: 2 })).toBe(true);
      expect(await issues.save({ ...issue, state: 'cancelled', version: 2 })).toBe(false);
      expect((await issues.listByState('sending')).map((i) => i.id)).toContain(issue.id);
      expect((await issues.listByState('draft')).map((i) => i.id)).not.toContain(issue.id);
      expect(await issues.get(issue.id)).toMatchObject({
        state: 'sending',
        version: 2,
        audience: issue.audience,
      });
    });

    it('keeps one sending hold: the first set stays, a clear answers what it cleared', async () => {
      await issues.clearSendingHold();
      expect(await issues.sendingHold()).toBeUndefined();
      const hold = {
        alarm: 'a-bounce-rate',
        reason: 'over 0.02',
        since: '2026-12-03T09:00:00.000Z',
      };
      expect(await issues.holdSending(hold)).toBe(true);
      expect(await issues.holdSending({ ...hold, alarm: 'a-complaint-rate' })).toBe(false);
      expect(await issues.sendingHold()).toEqual(hold);
      expect(await issues.clearSendingHold()).toEqual(hold);
      expect(await issues.clearSendingHold()).toBeUndefined();
      expect(await issues.sendingHold()).toBeUndefined();
    });

    it('keeps the first render’s article in an issue’s snapshot, its date a Date again', async () => {
      const issue = anIssue();
      expect(await issues.snapshot(issue.id)).toEqual([]);
      const article = anArticle({ slug: 'snap', html: '<p>First</p>' });
      expect(await issues.keepInSnapshot(issue.id, article)).toBe(true);
      expect(await issues.keepInSnapshot(issue.id, { ...article, html: '<p>Later</p>' })).toBe(
        false,
      );
      expect(await issues.snapshot(issue.id)).toEqual([article]);
      expect(await issues.snapshot(anIssue().id)).toEqual([]);
    });

    it('reads back every article of a big digest’s snapshot, past one Query page of 1 MB', async () => {
      const issue = anIssue();
      // Random text barely compresses: five items of ~230 KB each are more than one page.
      const long = (slug: string) =>
        anArticle({ slug, emailHtml: `<p>${randomBytes(300_000).toString('base64')}</p>` });
      const articles = ['one', 'two', 'three', 'four', 'five'].map((slug) => long(`big-${slug}`));
      for (const article of articles) await issues.keepInSnapshot(issue.id, article);
      const kept = await issues.snapshot(issue.id);
      expect(kept.map((a) => a.slug).sort()).toEqual(articles.map((a) => a.slug).sort());
      expect(kept.find((a) => a.slug === 'big-three')?.emailHtml).toBe(articles[2]!.emailHtml);
    });

    it('lists the issues in a state oldest first (a tick starts what was scheduled first)', async () => {
      const later = anIssue({ state: 'scheduled', createdAt: '2026-11-02T00:00:00.000Z' });
      const earlier = anIssue({ state: 'scheduled', createdAt: '2026-11-01T00:00:00.000Z' });
      const tie = anIssue({ state: 'scheduled', createdAt: '2026-11-01T00:00:00.000Z' });
      for (const issue of [later, earlier, tie]) await issues.create(issue);
      const ours = new Set([later.id, earlier.id, tie.id]);
      const listed = (await issues.listByState('scheduled')).filter((i) => ours.has(i.id));
      const sameTime = [earlier, tie].sort((a, b) => (a.id < b.id ? -1 : 1));
      expect(listed.map((i) => i.id)).toEqual([...sameTime, later].map((i) => i.id));
    });

    it('keeps each digest with its frequency’s others: the latest before a period is one Query away', async () => {
      const digest = (period: string, frequency: 'daily' | 'weekly' = 'daily'): Issue => ({
        ...anIssue(),
        id: `digest-${frequency}-${period}`,
        content: { kind: 'digest', frequency, period, slugs: ['x'], cutoff: `${period}T07:00` },
        state: 'sending',
      });
      for (const d of [digest('2026-11-27'), digest('2026-11-29'), digest('2026-W48', 'weekly')])
        expect(await issues.create(d)).toBe(true);
      expect(await issues.create(digest('2026-11-29'))).toBe(false);

      expect((await issues.latestDigest('daily', '2026-11-30'))?.id).toBe(
        'digest-daily-2026-11-29',
      );
      expect((await issues.latestDigest('daily', '2026-11-29'))?.id).toBe(
        'digest-daily-2026-11-27',
      );
      expect(await issues.latestDigest('daily', '2026-11-27')).toBeUndefined();
      expect((await issues.latestDigest('weekly', '2026-W49'))?.id).toBe('digest-weekly-2026-W48');
      // Still an issue like any other: read by id, listed by state, moved only over its version.
      const id = 'digest-daily-2026-11-29';
      expect(await issues.get(id)).toMatchObject({ content: { cutoff: '2026-11-29T07:00' } });
      expect((await issues.listByState('sending')).map((i) => i.id)).toContain(id);
      expect(await issues.save({ ...digest('2026-11-29'), state: 'sent', version: 2 })).toBe(true);
      expect(await issues.get(id)).toMatchObject({ state: 'sent', version: 2 });
      expect(
        await issues.claimShard(id, 0, 'w', new Date(), new Date(Date.now() + 60_000)),
      ).toMatchObject({ issueId: id });
    });

    it('gives a shard’s lease to one worker at a time, and only its holder saves progress', async () => {
      const issue = anIssue();
      await issues.create(issue);
      const now = new Date('2026-11-28T09:00:00Z');
      const until = new Date(now.getTime() + 120_000);
      const claims = await Promise.all(
        ['w1', 'w2', 'w3'].map((w) => issues.claimShard(issue.id, 3, w, now, until)),
      );
      const winners = claims.filter((c) => c !== undefined);
      expect(winners).toHaveLength(1);
      expect(winners[0]).toMatchObject({
        issueId: issue.id,
        shard: 3,
        done: false,
        counts: { sent: 0 },
        ambiguous: [],
      });
      const holder = winners[0]!.leaseOwner!;
      const loser = ['w1', 'w2', 'w3'].find((w) => w !== holder)!;

      expect(
        await issues.saveShard(
          { ...winners[0]!, cursor: 'abc', counts: { ...winners[0]!.counts, sent: 5 } },
          loser,
        ),
      ).toBe(false);
      expect(
        await issues.saveShard(
          {
            ...winners[0]!,
            cursor: 'abc',
            counts: { ...winners[0]!.counts, sent: 5 },
            ambiguous: ['s9'],
          },
          holder,
        ),
      ).toBe(true);
      // After the lease runs out another worker takes over where the holder stopped.
      const later = new Date(until.getTime() + 1);
      expect(
        await issues.claimShard(issue.id, 3, loser, later, new Date(later.getTime() + 120_000)),
      ).toMatchObject({ cursor: 'abc', counts: { sent: 5 }, ambiguous: ['s9'], leaseOwner: loser });
      await issues.saveShard({ ...(await issues.shards(issue.id))[0]!, done: true }, loser);
      expect(
        await issues.claimShard(
          issue.id,
          3,
          'w4',
          new Date(later.getTime() + 10 * 60_000),
          new Date(later.getTime() + 11 * 60_000),
        ),
      ).toBeUndefined();
      expect((await issues.shards(issue.id)).map((s) => [s.shard, s.done])).toEqual([[3, true]]);
    });

    it('adds up engagement counters', async () => {
      const id = `issue-${randomUUID()}`;
      await Promise.all([
        issues.addEngagement(id, { delivered: 1 }),
        issues.addEngagement(id, { delivered: 1, opened: 1 }),
        issues.addEngagement(id, { bounced: 1 }),
      ]);
      expect(await issues.engagement(id)).toEqual({
        ...noEngagement(),
        delivered: 2,
        bounced: 1,
        opened: 1,
      });
    });

    it("keeps a reader's engagement: first open and first click of each link told, every click kept, links summed", async () => {
      const id = `issue-${randomUUID()}`;
      const reader = `reader-${randomUUID()}`;
      const at = (s: number) => new Date(Date.UTC(2026, 11, 3, 9, 0, s));
      expect(await engagement.marks(id, reader)).toEqual({});
      await engagement.delivered(id, reader, at(1));
      await engagement.delivered(id, reader, at(9));
      expect(await engagement.marks(id, reader)).toEqual({ deliveredAt: at(1) });
      // Its hidden link followed: the first time is kept, and it is no part of the history.
      await engagement.hiddenLinkFollowed(id, reader, at(5));
      await engagement.hiddenLinkFollowed(id, reader, at(6));
      expect(await engagement.marks(id, reader)).toEqual({
        deliveredAt: at(1),
        hiddenLinkAt: at(5),
      });
      expect(await engagement.opened(id, reader, at(20))).toBe(true);
      expect(await engagement.opened(id, reader, at(30))).toBe(false);
      expect(await engagement.clicked(id, reader, 'https://a.test/', at(40))).toEqual({
        firstOfIssue: true,
        firstOfLink: true,
      });
      expect(await engagement.clicked(id, reader, 'https://b.test/', at(41))).toEqual({
        firstOfIssue: false,
        firstOfLink: true,
      });
      expect(await engagement.clicked(id, reader, 'https://a.test/', at(42))).toEqual({
        firstOfIssue: false,
        firstOfLink: false,
      });
      expect(await engagement.history(reader)).toEqual([
        {
          issueId: id,
          deliveredAt: at(1).toISOString(),
          openedAt: at(20).toISOString(),
          opens: 2,
          clicks: [
            { link: 'https://a.test/', at: at(40).toISOString() },
            { link: 'https://b.test/', at: at(41).toISOString() },
            { link: 'https://a.test/', at: at(42).toISOString() },
          ],
        },
      ]);
      await Promise.all([
        engagement.addLinkClicks(id, 'https://a.test/', { clicks: 1, uniqueClickers: 1 }),
        engagement.addLinkClicks(id, 'https://a.test/', { clicks: 1 }),
        engagement.addLinkClicks(id, 'https://a.test/', { botClicks: 1 }),
        engagement.addLinkClicks(id, 'https://b.test/', { clicks: 1, uniqueClickers: 1 }),
      ]);
      expect(await engagement.links(id)).toEqual([
        { link: 'https://a.test/', clicks: 2, uniqueClickers: 1, botClicks: 1 },
        { link: 'https://b.test/', clicks: 1, uniqueClickers: 1, botClicks: 0 },
      ]);
    });

    it('keeps suppressions by a hash of the address and finds them a page at a time', async () => {
      const emails = Array.from({ length: 120 }, () => aSubscriber().email);
      await suppressions.suppress(emails[5]!, 'bounce', new Date());
      await suppressions.suppress(emails[110]!, 'complaint', new Date());
      expect(await suppressions.suppressedAmong(emails)).toEqual(new Set([emails[5], emails[110]]));
      expect(await suppressions.isSuppressed(emails[5]!)).toBe(true);
      await suppressions.remove(emails[5]!);
      expect(await suppressions.isSuppressed(emails[5]!)).toBe(false);
    });

    it('starts an event once, lets its own retry and a stale attempt in, and none after it finished', async () => {
      const key = randomUUID();
      const t0 = new Date('2026-12-01T10:00:00Z');
      const fresh = new Date(t0.getTime() - 60_000);
      const results = await Promise.all([
        events.begin(key, 'a', t0, fresh),
        events.begin(key, 'b', t0, fresh),
      ]);
      expect([...results].sort()).toEqual(['busy', 'go']);
      const holder = results[0] === 'go' ? 'a' : 'b';
      // The holder's own write again (the SDK retrying after a lost answer) goes ahead.
      expect(await events.begin(key, holder, t0, fresh)).toBe('go');
      // Once the holder is older than the stale mark, another attempt takes over.
      const later = new Date(t0.getTime() + 120_000);
      expect(await events.begin(key, 'c', later, new Date(later.getTime() - 60_000))).toBe('go');
      // The taken-over attempt cannot close the key; the one holding it can.
      await events.finish(key, holder);
      expect(await events.begin(key, 'd', later, new Date(later.getTime() - 60_000))).toBe('busy');
      await events.finish(key, 'c');
      expect(await events.begin(key, 'e', later, later)).toBe('done');
      expect(await events.begin(key, 'c', later, later)).toBe('done');
    });

    it('lets the next attempt in at once when one gives its event up', async () => {
      const key = randomUUID();
      const at = new Date();
      const fresh = new Date(at.getTime() - 60_000);
      expect(await events.begin(key, 'a', at, fresh)).toBe('go');
      await events.abandon(key, 'b'); // not the holder: changes nothing
      expect(await events.begin(key, 'c', at, fresh)).toBe('busy');
      await events.abandon(key, 'a');
      expect(await events.begin(key, 'c', at, fresh)).toBe('go');
    });

    it('keeps the first baseline, publishes each article once and only moves digest cutoffs forward', async () => {
      expect(await publications.baseline(['a', 'b'], new Date())).toEqual(['a', 'b']);
      expect(await publications.baseline(['a', 'b', 'c'], new Date())).toEqual(['a', 'b']);
      const marks = await Promise.all([
        publications.markPublished('c', new Date('2026-11-28T10:00:00Z')),
        publications.markPublished('c', new Date('2026-11-28T10:00:00Z')),
      ]);
      expect(marks.filter(Boolean)).toHaveLength(1);
      expect(await publications.published()).toEqual([
        { slug: 'c', publishedAt: '2026-11-28T10:00:00.000Z' },
      ]);
      await publications.advanceDigestCutoff('daily', '2026-11-28T07:00:00.000Z');
      await publications.advanceDigestCutoff('daily', '2026-11-27T07:00:00.000Z');
      expect(await publications.digestCutoff('daily')).toBe('2026-11-28T07:00:00.000Z');
    });

    it('keeps an article waiting for approval until one editor decides, once, with who and when', async () => {
      const slug = `waiting-${randomUUID().slice(0, 8)}`;
      const at = new Date('2026-11-28T11:00:00Z');
      expect(await publications.markPublished(slug, at, { waiting: true })).toBe(true);
      expect(await publications.markPublished(slug, at)).toBe(false);
      const waiting = { slug, publishedAt: '2026-11-28T11:00:00.000Z', approval: 'waiting' };
      expect(await publications.publishedArticle(slug)).toEqual(waiting);
      expect(await publications.published()).toContainEqual(waiting);

      const decidedAt = new Date('2026-11-28T11:05:00Z');
      const decisions = await Promise.all([
        publications.decide(slug, 'approved', 'Ana', decidedAt),
        publications.decide(slug, 'approved', 'Ana', decidedAt),
        publications.decide(slug, 'dismissed', 'Bo', decidedAt),
      ]);
      expect(decisions.filter(Boolean)).toHaveLength(1);
      const decided = await publications.publishedArticle(slug);
      expect(decided).toMatchObject({ slug, publishedAt: waiting.publishedAt });
      expect(decided?.decidedAt).toBe('2026-11-28T11:05:00.000Z');
      expect([
        ['approved', 'Ana'],
        ['dismissed', 'Bo'],
      ]).toContainEqual([decided?.approval, decided?.decidedBy]);
      // Decided for good; and an article mailed by itself never waited, so it cannot be decided.
      expect(await publications.decide(slug, 'dismissed', 'Bo', decidedAt)).toBe(false);
      expect(await publications.decide('c', 'approved', 'Ana', decidedAt)).toBe(false);
      expect(await publications.decide('never-published', 'approved', 'Ana', decidedAt)).toBe(
        false,
      );
      expect(await publications.publishedArticle('never-published')).toBeUndefined();
    });

    it('lets a key through a window’s limit however many ask at once, then says when the window ends', async () => {
      const key = `ip:${randomUUID()}`;
      const at = new Date('2026-11-28T10:59:00Z');
      const decisions = await Promise.all(
        Array.from({ length: 8 }, () => rateLimiter.hit(key, 5, 3600, at)),
      );
      expect(decisions.filter((d) => d.allowed)).toHaveLength(5);
      expect(decisions.find((d) => !d.allowed)).toEqual({ allowed: false, retryAfterSeconds: 60 });
      expect(await rateLimiter.hit(`ip:${randomUUID()}`, 5, 3600, at)).toEqual({ allowed: true });
      expect(await rateLimiter.hit(key, 5, 3600, new Date('2026-11-28T11:00:00Z'))).toEqual({
        allowed: true,
      });
    });

    it('keeps the editors’ actions and reads them back newest first, across months', async () => {
      const now = new Date();
      const lastMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 15));
      const entry = (at: Date, action: string) => ({
        at: at.toISOString(),
        actor: 'Ana Editor',
        keyPrefix: 'dsp_AbCdEfGh',
        action,
        via: 'workspace' as const,
      });
      await auditLog.record(entry(lastMonth, 'POST /admin/issues'));
      await auditLog.record({ ...entry(now, 'POST /admin/issues/:id/send'), target: 'issue-1' });
      // The same instant twice is two entries, not one overwritten.
      await auditLog.record(entry(now, 'POST /admin/issues/:id/send'));
      const recent = await auditLog.recent(3, now);
      expect(recent.map((e) => e.action)).toEqual([
        'POST /admin/issues/:id/send',
        'POST /admin/issues/:id/send',
        'POST /admin/issues',
      ]);
      expect(recent.find((e) => e.target)).toMatchObject({
        target: 'issue-1',
        actor: 'Ana Editor',
      });
      expect(await auditLog.recent(1, now)).toHaveLength(1);
    });

    it('says whether a key is over its limit without counting a hit', async () => {
      const key = `fail:${randomUUID()}`;
      const at = new Date('2026-11-28T10:50:00Z');
      for (let i = 0; i < 5; i++)
        expect(await rateLimiter.exceeded(key, 3, 900, at)).toEqual({ allowed: true });
      for (let i = 0; i < 3; i++) await rateLimiter.hit(key, 3, 900, at);
      expect(await rateLimiter.exceeded(key, 3, 900, at)).toEqual({
        allowed: false,
        retryAfterSeconds: 600,
      });
      expect(await rateLimiter.exceeded(key, 4, 900, at)).toEqual({ allowed: true });
      expect(await rateLimiter.exceeded(key, 3, 900, new Date('2026-11-28T11:00:00Z'))).toEqual({
        allowed: true,
      });
    });

    const bulk = (n: number) => ({ bulk: n, transactional: 0 });
    it('counts the senders live now: each one beating, not one whose time ran out', async () => {
      const at = new Date('2026-12-01T10:00:00Z');
      const later = (ms: number) => new Date(at.getTime() + ms);
      const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
      expect(await senders.beat(a, at, later(6_000))).toEqual(bulk(1));
      expect(await senders.beat(b, at, later(6_000))).toEqual(bulk(2));
      expect(await senders.beat(a, later(1_000), later(7_000))).toEqual(bulk(2)); // a renewal is not a newcomer
      expect(await senders.beat(c, later(6_500), later(12_500))).toEqual(bulk(2)); // b ran out at 6 s
      // c stopped beating at 6.5 s (its container frozen): from 12.5 s on a counts itself alone.
      expect(await senders.beat(a, later(12_600), later(18_600))).toEqual(bulk(1));
    });

    it('counts transactional senders apart from bulk ones, live until their time runs out', async () => {
      const at = new Date('2026-12-02T10:00:00Z');
      const later = (ms: number) => new Date(at.getTime() + ms);
      const [worker, drain] = [randomUUID(), randomUUID()];
      expect(await senders.beat(worker, at, later(6_000))).toEqual(bulk(1));
      expect(await senders.beat(drain, later(500), later(6_500), 'transactional')).toEqual({
        bulk: 1,
        transactional: 1,
      });
      expect(await senders.beat(worker, later(2_000), later(8_000))).toEqual({
        bulk: 1,
        transactional: 1,
      });
      // The drain stopped sending at 0.5 s: from 6.5 s on, bulk has the rate to itself again.
      expect(await senders.beat(worker, later(6_600), later(12_600))).toEqual(bulk(1));
    });

    segmentStoreContract(() => subject.adapters.segments);
    workspaceArticleStoreContract(() => subject.adapters.workspaceArticles);
  });
}
