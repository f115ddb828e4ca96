/**
 * Erasure that erases (GDPR art. 17): after an editor erases a reader who subscribed, confirmed,
 * was sent issues, was refused by SES once, was ambiguous once and decided on, opened and clicked
 * an issue (their engagement history), and bounced, the
 * whole table names them nowhere: their address and id appear in no item, and what stays is one
 * suppression under a keyed hash, which still keeps them from being signed up again.
 */
import { createHash } from 'node:crypto';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MjmlIssueRenderer } from '../../functions/adapters/mjml/mjml-renderer.js';
import { DynamoDeliveryLedger } from '../../functions/adapters/dynamo/dynamo-ledger.js';
import {
  DynamoReaderTrail,
  idBefore,
} from '../../functions/adapters/dynamo/dynamo-reader-trail.js';
import {
  buildDeliveryDeps,
  documentClientFor,
  parseConfig,
  suppressionKeysOf,
} from '../../functions/config.js';
import { createApiKey } from '../../functions/core/access/api-keys.js';
import { runWorker } from '../../functions/core/delivery/worker.js';
import { createArticleIssue, sendIssueNow } from '../../functions/core/issues/manage-issues.js';
import { MailFailure } from '../../functions/core/ports.js';
import { subscriberIdFor } from '../../functions/core/subscribers/subscriber.js';
import { createAdminApp } from '../../functions/http/admin/admin-app.js';
import { createApp } from '../../functions/http/app.js';
import { handler as sesEventsHandler } from '../../functions/handlers/ses-events.js';
import { lambdaContext } from '../../local/lambda-context.js';
import type { LocalStack } from '../../local/stack.js';
import { sesEngagementEvent } from '../support/lambda-events.js';
import { adminApi } from '../support/admin-api.js';
import { aSubscriber, linkIn } from '../support/builders.js';
import { quietLogger } from '../support/logger.js';
import { emailsTo, seedReaders, startTestStack, waitFor } from '../support/stack.js';

let stack: LocalStack;
let admin: ReturnType<typeof createAdminApp>;
let editor: string;
const call = adminApi(() => admin);
const address = 'Erase.Me@Example.com';
const email = 'erase.me@example.com';
const id = subscriberIdFor(email);

beforeAll(async () => {
  // One lane: each claim carries the receipt of the send before it, so the reader's entries
  // carry, and are carried by, their neighbours'.
  stack = await startTestStack(
    { SEND_LANES: '1', SIGNUP_LIMIT_PER_ADDRESS_PER_HOUR: '20' },
    { logger: quietLogger() },
  );
  admin = createAdminApp(stack.deps, { logger: quietLogger() });
  editor = (
    await createApiKey(stack.deps, {
      name: 'Editor Ed',
      email: 'ed@newsroom.example',
      role: 'editor',
    })
  ).key;
}, 60_000);
afterAll(async () => stack?.close());

/** A CSV imported through the admin API, as an editor does, run to the end. */
async function importedWith(rows: string) {
  const headers = { authorization: `Bearer ${editor}` };
  const created = await admin.request('/api/admin/imports', { method: 'POST', headers });
  const { id: job, uploadUrl } = (await created.json()) as { id: string; uploadUrl: string };
  const csv = `email,topics,frequency,consent,consent_source\n${rows}`;
  expect((await fetch(uploadUrl, { method: 'PUT', body: csv })).status).toBe(200);
  const started = await admin.request(`/api/admin/imports/${job}/start`, {
    method: 'POST',
    headers,
  });
  expect(started.status).toBe(202);
  const report = await waitFor(async () => {
    await stack.deps.jobKicker?.kick();
    const now = (await (await admin.request(`/api/admin/imports/${job}`, { headers })).json()) as {
      state: string;
      report: { skipped: { email: string }[] };
    };
    return now.state === 'done' ? now.report : undefined;
  }, 'the import');
  // The reader, already subscribed, is listed by address in the import's report.
  expect(report.skipped.map((row) => row.email)).toEqual([email]);
}

async function signedIn() {
  const response = await admin.request('/admin/sign-in', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ key: editor }).toString(),
  });
  return response.headers.get('set-cookie')!.split(';')[0]!;
}

/** Every item of the table, as stored. */
async function everyItem() {
  const client = documentClientFor(parseConfig(stack.env));
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({ TableName: stack.env.TABLE_NAME, ExclusiveStartKey: start }),
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/** An item as text, with shard cursors (base64url JSON of a table key) decoded. */
const asText = (item: Record<string, unknown>) =>
  JSON.stringify(item) +
  (typeof item.cursor === 'string' ? Buffer.from(item.cursor, 'base64url').toString() : '');

describe('erasing a reader', () => {
  it('leaves only a keyed hash of the address in the whole table, which still refuses them', async () => {
    // Subscribed through the admin API (with an Idempotency-Key), confirmed from the email.
    const added = await admin.request('/api/admin/subscribers', {
      method: 'POST',
      headers: {
        authorization: `Bearer ${editor}`,
        'content-type': 'application/json',
        'idempotency-key': 'add-erase-me',
      },
      body: JSON.stringify({ email: address, topics: ['economy'], consent: true }),
    });
    expect(added.status).toBe(202);
    const app = createApp(stack.deps, { clientIp: () => '192.0.2.77', logger: quietLogger() });
    const [confirmation] = await emailsTo(stack.sesEndpoint, email);
    const confirm = new URL(linkIn(confirmation!.body.text!, 'confirm')).pathname;
    expect((await app.request(confirm, { method: 'POST' })).status).toBeLessThan(400);
    expect((await stack.deps.subscribers.get(id))?.state).toBe('confirmed');
    await importedWith(
      `${email},economy,weekly,yes,the fair\nsomeone.else@example.com,economy,weekly,yes,the fair\n`,
    );
    const others = await seedReaders(stack, 4, (i) =>
      aSubscriber({ topics: ['economy'], email: `neighbour.${i}@example.com` }),
    );

    // Issue 1: SES refuses the reader's message. Issue 2 (same article, so it retries them): SES
    // takes it and answers 500, and an editor decides it was delivered.
    const deps = await buildDeliveryDeps(
      parseConfig(stack.env),
      new MjmlIssueRenderer('templates'),
    );
    const send = deps.mailer.send.bind(deps.mailer);
    let fate: 'refuse' | 'accept-then-500' = 'refuse';
    deps.mailer.send = async (message) => {
      if (message.to !== email) return send(message);
      if (fate === 'refuse') throw new MailFailure('rejected', 'MessageRejected: not today');
      await send(message);
      throw new MailFailure('unknown', 'SES answered 500');
    };
    const first = await createArticleIssue(deps, {
      article: 'nato-western-balkans-stability',
      topics: ['economy'],
      id: 'erasure-first',
    });
    await sendIssueNow(deps, first.id);
    await runWorker(deps, { issueId: first.id });
    fate = 'accept-then-500';
    const second = await createArticleIssue(deps, {
      article: 'nato-western-balkans-stability',
      topics: ['economy'],
      id: 'erasure-second',
    });
    await sendIssueNow(deps, second.id);
    await runWorker(deps, { issueId: second.id });
    const decided = await admin.request(`/api/admin/issues/${second.id}/ambiguous/${id}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${editor}`,
        'content-type': 'application/json',
        'idempotency-key': 'decide-erase-me',
      },
      body: JSON.stringify({ resolution: 'delivered', reason: 'in the SES logs' }),
    });
    expect(decided.status).toBe(200);
    // A later bounce: the suppression keeps the address for editors, until the erasure.
    await stack.deps.suppressions.suppress(email, 'bounce', new Date());
    // An editor's change to the reader, as any route under /subscribers/:id records it.
    await stack.deps.auditLog.record({
      at: new Date().toISOString(),
      actor: 'Editor Ed',
      keyPrefix: 'dsp_EdEdEdEd',
      action: 'POST /admin/subscribers/:id/topics',
      target: id,
      via: 'workspace',
    });

    // The reader signs up again through the JSON API: the per-address counter counts it.
    const subscribeAgain = () =>
      app.request('/api/subscribe', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: address, topics: ['economy'] }),
      });
    expect((await subscribeAgain()).status).toBe(202);

    // SES reports the reader's copy of issue 2 delivered, opened and a link clicked: their history.
    const tracked = {
      messageId: 'erase-me-message',
      recipient: email,
      configurationSet: 'local',
      from: 'news@example.org',
      tags: { kind: ['issue'], issue: [second.id] },
      sentAt: new Date(Date.now() - 600_000),
      link: 'https://news.example.org/articles/nato',
    };
    for (const [kind, ago] of [
      ['Delivery', 599],
      ['Open', 300],
      ['Click', 290],
    ] as const)
      await sesEventsHandler(
        sesEngagementEvent(kind, { ...tracked, at: new Date(Date.now() - ago * 1000) }) as never,
        lambdaContext('sesEvents', 30_000),
      );
    expect((await stack.deps.engagement.history(id))[0]).toMatchObject({ opens: 1 });

    const before = (await everyItem()).filter((item) => asText(item).includes(id));
    expect(before.filter((item) => item.entity === 'engagement')).toHaveLength(1);
    expect(before.length).toBeGreaterThan(4); // the record, the entry, both issues' shards, …

    const erased = await call(`/subscribers/${id}`, editor, undefined, 'DELETE' as never);
    expect(erased.status).toBe(204);

    const items = await everyItem();
    const naming = items.filter((item) => {
      const text = asText(item).toLowerCase();
      return text.includes(email) || text.includes(id.toLowerCase());
    });
    expect(naming).toEqual([]);
    // No unkeyed hash of the address either: not the suppression's, not the signup counter's.
    const unkeyed = createHash('sha256').update(`suppression:${email}`).digest('base64url');
    const counter = createHash('sha256').update(`rate:${email}`).digest('base64url').slice(0, 32);
    expect(items.filter((item) => asText(item).includes(unkeyed))).toEqual([]);
    expect(items.filter((item) => asText(item).includes(counter))).toEqual([]);
    expect(items.some((item) => String(item.PK).startsWith('RATE#signup-address:'))).toBe(true);
    const keyed = suppressionKeysOf(parseConfig(stack.env)).current(email);
    expect(items.filter((item) => asText(item).includes(keyed))).toEqual([
      expect.objectContaining({ PK: `SUPPRESSION#${keyed}`, reason: 'bounce' }),
    ]);
    expect(items.find((item) => item.PK === `SUPPRESSION#${keyed}`)).not.toHaveProperty('email');

    // What editors see: the issues' reports no longer list the reader, the audit says what was
    // done to "an erased reader", and the neighbours' history is whole.
    for (const issue of [first, second]) {
      const report = (await (await call(`/issues/${issue.id}`, editor)).json()) as object;
      expect(JSON.stringify(report)).not.toContain(id);
    }
    for (const other of others) expect(await stack.deps.ledger.history(other.id)).toHaveLength(1);
    const audit = await stack.deps.auditLog.recent(20, new Date());
    expect(audit.filter((e) => e.action.includes('subscribers/:id'))).toEqual([
      expect.objectContaining({ action: 'DELETE /api/admin/subscribers/:id' }),
      expect.objectContaining({ action: 'POST /admin/subscribers/:id/topics', targetErased: true }),
    ]);
    expect(JSON.stringify(audit)).not.toContain(id);
    const cookie = await signedIn();
    const page = await (await admin.request('/admin/audit', { headers: { cookie } })).text();
    expect(page.match(/an erased reader/g)).toHaveLength(2);

    // Signing up again is refused quietly: no confirmation reaches the address.
    const mailed = (await emailsTo(stack.sesEndpoint, email)).length;
    expect((await subscribeAgain()).status).toBe(202);
    expect(await emailsTo(stack.sesEndpoint, email)).toHaveLength(mailed);
    expect(await stack.deps.subscribers.get(id)).toBeUndefined();

    // A send in flight at the erasure marks them sent after it: erasing again removes that,
    // and once nothing names them the erasure is a 404.
    const sentAt = new Date().toISOString();
    const ledger = new DynamoDeliveryLedger(
      documentClientFor(parseConfig(stack.env)),
      stack.env.TABLE_NAME!,
    );
    await ledger.markSent(first.deliveryKey, [
      { subscriberId: id, issueId: first.id, messageId: 'late', sentAt, claimedAt: sentAt },
    ]);
    expect((await everyItem()).filter((item) => asText(item).includes(id))).toHaveLength(1);
    expect((await call(`/subscribers/${id}`, editor, undefined, 'DELETE' as never)).status).toBe(
      204,
    );
    expect((await everyItem()).filter((item) => asText(item).includes(id))).toEqual([]);
    expect((await call(`/subscribers/${id}`, editor, undefined, 'DELETE' as never)).status).toBe(
      404,
    );
  }, 60_000);

  it('lands the receipt an entry of theirs carries for another reader, and removes theirs from the next claim', async () => {
    const client = documentClientFor(parseConfig(stack.env));
    const table = stack.env.TABLE_NAME!;
    const ledger = new DynamoDeliveryLedger(client, table);
    // A lane takes its readers in id order, so a claim's receipt is carried by a later id.
    const [before, erasedReader, after] = ['before', 'middle', 'after']
      .map((n) => subscriberIdFor(`${n}.${Date.now()}@example.org`))
      .sort();
    const key = `article:receipts-${Date.now()}`;
    const at = new Date();
    // A worker claimed `before`, sent, claimed the reader carrying that receipt, sent, claimed
    // `after` carrying theirs, and died before marking anything sent.
    await ledger.claim(key, before!, 'issue-r', at);
    const first = { subscriberId: before!, messageId: 'msg-before', sentAt: at.toISOString() };
    await ledger.claim(key, erasedReader!, 'issue-r', at, first);
    const second = {
      subscriberId: erasedReader!,
      messageId: 'msg-middle',
      sentAt: at.toISOString(),
    };
    await ledger.claim(key, after!, 'issue-r', at, second);
    const issue = { id: 'issue-r', deliveryKey: key } as never;

    const trail = await new DynamoReaderTrail(client, table).erase(erasedReader!, [issue]);

    expect(trail).toMatchObject({ ledgerEntries: 1, receiptsLanded: 1 });
    expect(await ledger.entry(key, before!)).toMatchObject({
      status: 'sent',
      messageId: 'msg-before',
    });
    expect(await ledger.entry(key, erasedReader!)).toBeUndefined();
    expect(await ledger.entry(key, after!)).not.toHaveProperty('previousSent');
    // Run again, it finds nothing more.
    expect(await new DynamoReaderTrail(client, table).erase(erasedReader!, [issue])).toMatchObject({
      ledgerEntries: 0,
      receiptsLanded: 0,
      receiptsRemoved: 0,
    });
  });

  it('moves a shard cursor at the reader to the id just before theirs', () => {
    expect(idBefore('AAAB')).toBe('AAAA');
    expect(idBefore('AAA0')).toBe('AAA-');
    expect(idBefore('AAA-')).toBe('AA9z');
    expect(idBefore('a')).toBe('_');
    expect(idBefore('A')).toBe('9');
  });
});
