import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient, ensureTable } from '../../functions/adapters/dynamo/client.js';
import { DynamoIssueRepository } from '../../functions/adapters/dynamo/dynamo-issues.js';
import { DynamoDeliveryLedger } from '../../functions/adapters/dynamo/dynamo-ledger.js';
import { DynamoSubscriberRepository } from '../../functions/adapters/dynamo/dynamo-subscribers.js';
import { mutateSubscriber } from '../../functions/core/subscribers/mutate.js';
import { RECIPIENT_SHARDS, type Subscriber } from '../../functions/core/subscribers/subscriber.js';
import type { Running } from '../../infra/local/emulators.js';
import { aSubscriber } from '../support/builders.js';
import { useLocalAws } from '../support/emulators.js';

/**
 * One contract, run against every DynamoDB we have: dynalite (the local stack's default) and
 * DynamoDB Local (AWS's own emulator). The adapters must behave the same on both, and on AWS.
 */
export function describeDynamoAdapters(engine: string, start: () => Promise<Running>) {
  describe(`DynamoDB adapters on ${engine}`, () => {
    let running: Running;
    let subscribers: DynamoSubscriberRepository;
    let ledger: DynamoDeliveryLedger;
    let issues: DynamoIssueRepository;

    beforeAll(async () => {
      running = await start();
      useLocalAws({ dynamodb: running.url });
      const client = createDocumentClient();
      const table = `test-${randomUUID()}`;
      await ensureTable(client, table);
      await ensureTable(client, table); // idempotent: the local stack calls it at every start
      subscribers = new DynamoSubscriberRepository(client, table);
      ledger = new DynamoDeliveryLedger(client, table);
      issues = new DynamoIssueRepository(client, table);
    });
    afterAll(async () => running?.close());

    async function readAll(query: { topics: string[]; frequencies?: Subscriber['frequency'][]; limit?: number }) {
      const found: Subscriber[] = [];
      for (let shard = 0; shard < RECIPIENT_SHARDS; shard++) {
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

    it('loses no update among concurrent writers of one subscriber', async () => {
      const reader = aSubscriber({ topics: [] });
      await subscribers.create(reader);
      const topics = ['a', 'b', 'c', 'd', 'e', 'f'];
      await Promise.all(topics.map((t) => mutateSubscriber(subscribers, reader.id, (s) => ({ ...s, topics: [...s.topics, t] }))));
      const stored = await subscribers.get(reader.id);
      expect(stored?.topics.sort()).toEqual(topics);
      expect(stored?.version).toBe(1 + topics.length);
    });

    it('lists each confirmed subscriber of a topic exactly once across shards and pages, and no one else', async () => {
      const topic = `t-${randomUUID().slice(0, 8)}`;
      const wanted = Array.from({ length: 45 }, (_, i) => aSubscriber({ topics: [topic, 'security'], frequency: i % 3 === 0 ? 'daily' : 'weekly' }));
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
      for (let shard = 0; shard < RECIPIENT_SHARDS; shard++) counted += await subscribers.countRecipients({ shard, topics: [topic] });
      expect(counted).toBe(45);

      const daily = await readAll({ topics: [topic], frequencies: ['daily'] });
      expect(daily).toHaveLength(15);
    });

    it('drops an unsubscribed reader from the recipients at once', async () => {
      const topic = `t-${randomUUID().slice(0, 8)}`;
      const reader = aSubscriber({ topics: [topic] });
      await subscribers.create(reader);
      expect(await readAll({ topics: [topic] })).toHaveLength(1);
      await subscribers.save({ ...reader, state: 'unsubscribed', version: 2 });
      expect(await readAll({ topics: [topic] })).toHaveLength(0);
    });

    it('lets exactly one of many concurrent claims through, and a definite failure be claimed again', async () => {
      const issue = `issue-${randomUUID()}`;
      const claims = await Promise.all(Array.from({ length: 15 }, () => ledger.claim(issue, 'sub-1', new Date())));
      expect(claims.filter((c) => c === 'claimed')).toHaveLength(1);
      expect(claims.find((c) => c !== 'claimed')).toMatchObject({ issueId: issue, subscriberId: 'sub-1', status: 'claimed' });

      await ledger.markFailed(issue, 'sub-1', 'rejected: MessageRejected', new Date());
      expect(await ledger.claim(issue, 'sub-1', new Date())).toBe('claimed');
      await ledger.markSent(issue, 'sub-1', 'msg-1', new Date());
      expect(await ledger.claim(issue, 'sub-1', new Date())).toMatchObject({ status: 'sent', messageId: 'msg-1' });
    });

    it('gives an issue’s lease to one worker at a time and lists it until it is finished', async () => {
      const issue = `issue-${randomUUID()}`;
      const now = new Date('2026-11-28T09:00:00Z');
      const later = new Date(now.getTime() + 120_000);
      await issues.begin(issue, 'some-article', now);
      const leases = await Promise.all(['w1', 'w2', 'w3'].map((w) => issues.acquireLease(issue, w, now, later)));
      expect(leases.filter(Boolean)).toHaveLength(1);
      const holder = ['w1', 'w2', 'w3'][leases.indexOf(true)]!;
      expect(await issues.acquireLease(issue, holder, now, later)).toBe(true);
      expect(await issues.acquireLease(issue, 'w9', new Date(later.getTime() + 1), new Date(later.getTime() + 60_000))).toBe(true);
      expect((await issues.listSending()).map((i) => i.issueId)).toContain(issue);

      await issues.finish(issue, holder, { total: 1, sent: 1, skipped: 0, ambiguous: 0, failed: 0 }, later);
      expect(await issues.get(issue)).toMatchObject({ state: 'sending' }); // a stale holder cannot finish
      await issues.finish(issue, 'w9', { total: 1, sent: 1, skipped: 0, ambiguous: 0, failed: 0 }, later);
      expect(await issues.get(issue)).toMatchObject({ state: 'sent', summary: { sent: 1 } });
      expect((await issues.listSending()).map((i) => i.issueId)).not.toContain(issue);
    });
  });
}
