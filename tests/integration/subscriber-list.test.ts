import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../../functions/adapters/dynamo/client.js';
import { toItem } from '../../functions/adapters/dynamo/dynamo-subscribers.js';
import { backfillListIndex } from '../../functions/adapters/dynamo/list-index-backfill.js';
import { listSubscribers } from '../../functions/adapters/dynamo/subscriber-list.js';
import { MjmlIssueRenderer } from '../../functions/adapters/mjml/mjml-renderer.js';
import { buildAdminDeps, parseConfig } from '../../functions/config.js';
import { createApiKey } from '../../functions/core/access/api-keys.js';
import type { Subscriber } from '../../functions/core/subscribers/subscriber.js';
import { createAdminApp } from '../../functions/http/admin/admin-app.js';
import type { LocalStack } from '../../local/stack.js';
import { adminApi } from '../support/admin-api.js';
import { aSubscriber } from '../support/builders.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { captureLogger } from '../support/logger.js';
import { seedReaders, startTestStack } from '../support/stack.js';

/**
 * The subscriber list as an editor pages through it, on dynalite through a recording proxy: a
 * filter that most readers fail still fills every page, every match comes exactly once, and not
 * one request is a Scan.
 */
let stack: LocalStack;
let dynamodb: FaultProxy;
let app: ReturnType<typeof createAdminApp>;
let viewer: string;
let cookie: string;
const operations: string[] = [];
const indexes: unknown[] = [];
const call = adminApi(() => app);

const READERS = 330;
const email = (i: number) => `list.${String(i).padStart(3, '0')}@example.com`;
/** One reader in 11 follows economy daily; the others politics (or economy weekly, every 7th). */
const isMatch = (i: number) => i % 11 === 0;
let readers: Subscriber[];

beforeAll(async () => {
  stack = await startTestStack();
  readers = await seedReaders(stack, READERS, (i) =>
    aSubscriber({
      email: email(i),
      topics: isMatch(i) || i % 7 === 0 ? ['economy'] : ['politics'],
      frequency: isMatch(i) ? 'daily' : 'weekly',
      // A few in other states, in the same address range: they are not confirmed readers.
      state: i % 50 === 25 ? 'unsubscribed' : i % 50 === 26 ? 'pending' : 'confirmed',
    }),
  );
  dynamodb = await startFaultProxy({ upstream: stack.dynamodbEndpoint });
  dynamodb.setPolicy((request) => {
    operations.push(request.operation);
    if (request.operation === 'Query') indexes.push(request.input?.IndexName);
    return { kind: 'pass' };
  });
  process.env.AWS_ENDPOINT_URL_DYNAMODB = dynamodb.url;
  const deps = await buildAdminDeps(parseConfig(process.env), new MjmlIssueRenderer('templates'));
  app = createAdminApp(deps, { logger: captureLogger() });
  viewer = (
    await createApiKey(stack.deps, {
      name: 'List viewer',
      email: 'list.viewer@example.org',
      role: 'viewer',
    })
  ).key;
  const signedIn = await app.request('/admin/sign-in', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ key: viewer }).toString(),
  });
  cookie = signedIn.headers.get('set-cookie')!.split(';')[0]!;
}, 60_000);
afterAll(async () => {
  await dynamodb?.close();
  await stack?.close();
});

type Listed = { subscribers: { email: string; state: string }[]; cursor?: string };

/** Every page of a listing: the pages' sizes and the addresses in order. */
async function everyPage(query: Record<string, string>) {
  const sizes: number[] = [];
  const emails: string[] = [];
  let cursor: string | undefined;
  do {
    const params = new URLSearchParams({ ...query, ...(cursor ? { cursor } : {}) });
    const response = await call(`/subscribers?${params}`, viewer);
    expect(response.status).toBe(200);
    const page = (await response.json()) as Listed;
    sizes.push(page.subscribers.length);
    emails.push(...page.subscribers.map((s) => s.email));
    cursor = page.cursor;
  } while (cursor && sizes.length < 100);
  return { sizes, emails };
}

const confirmed = (i: number) => i % 50 !== 25 && i % 50 !== 26;
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('the subscriber list', () => {
  it('fills every page of a filter most readers fail, and gives every match exactly once, in address order', async () => {
    const before = operations.length;
    const { sizes, emails } = await everyPage({
      state: 'confirmed',
      topic: 'economy',
      frequency: 'daily',
      limit: '4',
    });
    const expected = range(READERS)
      .filter((i) => isMatch(i) && confirmed(i))
      .map(email);
    expect(emails).toEqual(expected);
    expect(sizes.slice(0, -1).every((n) => n === 4)).toBe(true);
    expect(sizes.at(-1)).toBeGreaterThan(0);

    const all = await everyPage({ state: 'confirmed', limit: '25' });
    expect(all.emails).toEqual(range(READERS).filter(confirmed).map(email));
    expect(all.sizes.slice(0, -1).every((n) => n === 25)).toBe(true);
    // Not one Scan: Queries of the listing index, and the API key's own reads.
    const made = operations.slice(before);
    expect(made).not.toContain('Scan');
    expect(made.filter((o) => o === 'Query').length).toBeGreaterThan(0);
    expect(new Set(indexes)).toEqual(new Set(['GSI3']));
  });

  it('searches by address prefix, with or without a state, and lists every state at once', async () => {
    const prefixed = await everyPage({ prefix: 'LIST.02', limit: '3' });
    expect(prefixed.emails).toEqual(range(100).slice(20, 30).map(email));
    const confirmedOnly = await everyPage({ prefix: 'list.02', state: 'confirmed', limit: '3' });
    expect(confirmedOnly.emails).toEqual([20, 21, 22, 23, 24, 27, 28, 29].map(email));
    const everyone = await everyPage({ prefix: 'list.', limit: '40' });
    expect(everyone.emails).toEqual(range(READERS).map(email));
    const none = (await (await call('/subscribers?prefix=nobody', viewer)).json()) as Listed;
    expect(none).toEqual({ subscribers: [] });
  });

  it('searches for text anywhere in an address, in any case, by Queries of the index only', async () => {
    const before = operations.length;
    // "5@EXAMPLE" is inside list.005@…, list.015@… and every address ending in 5.
    const inside = await everyPage({ contains: '5@EXAMPLE', limit: '7' });
    expect(inside.emails).toEqual(
      range(READERS)
        .filter((i) => i % 10 === 5)
        .map(email),
    );
    const confirmedOnly = await everyPage({ contains: '.03', state: 'confirmed' });
    expect(confirmedOnly.emails).toEqual(range(10).map((i) => email(30 + i)));
    // The id after the address in the index's sort key is not searched.
    const idPart = readers[3]!.id.slice(-6);
    expect((await everyPage({ contains: idPart })).emails).toEqual([]);
    expect(operations.slice(before)).not.toContain('Scan');
  });

  it('follows each write: a reader who leaves or changes topic moves in the list at once', async () => {
    const reader = readers[11]!;
    const stored = (await stack.deps.subscribers.get(reader.id))!;
    await stack.deps.subscribers.save({
      ...stored,
      state: 'unsubscribed',
      version: stored.version + 1,
    });
    const moved = readers[22]!;
    const kept = (await stack.deps.subscribers.get(moved.id))!;
    await stack.deps.subscribers.save({ ...kept, topics: ['politics'], version: kept.version + 1 });
    const list = await everyPage({ state: 'confirmed', topic: 'economy', frequency: 'daily' });
    expect(list.emails).not.toContain(reader.email);
    expect(list.emails).not.toContain(moved.email);
    const left = await everyPage({ state: 'unsubscribed', prefix: reader.email });
    expect(left.emails).toEqual([reader.email]);
  });

  it('a page cut short by its read budget has a cursor, and the pages still give every match exactly once', async () => {
    const client = createDocumentClient();
    const sizes: number[] = [];
    const emails: string[] = [];
    let cursor: string | undefined;
    do {
      // Ten items a Query and six Queries a page: a 1-in-11 filter runs out of budget.
      const page = await listSubscribers(
        client,
        stack.env.TABLE_NAME!,
        { state: 'confirmed', topic: 'economy', frequency: 'daily', limit: 5, cursor },
        { filteredRead: 10, maxQueries: 6 },
      );
      sizes.push(page.items.length);
      emails.push(...page.items.map((s) => s.email));
      cursor = page.cursor;
    } while (cursor && sizes.length < 200);
    expect(cursor).toBeUndefined();
    expect(sizes.some((n) => n < 5)).toBe(true);
    expect(emails).toEqual(
      range(READERS)
        .filter((i) => isMatch(i) && confirmed(i) && i !== 11 && i !== 22)
        .map(email),
    );
  });

  it('refuses a forged cursor and an unknown state, topic or frequency with a 422 naming the field', async () => {
    for (const [query, field] of [
      ['cursor=not-a-cursor', 'cursor'],
      [
        `cursor=${Buffer.from('{"PK":"SUBSCRIBER#x","SK":"PROFILE"}').toString('base64url')}`,
        'cursor',
      ],
      [`cursor=${Buffer.from('{"after":42}').toString('base64url')}`, 'cursor'],
      ['state=asleep', 'state'],
      ['topic=astrology', 'topic'],
      ['frequency=hourly', 'frequency'],
      ['limit=0', 'limit'],
    ]) {
      const response = await call(`/subscribers?${query}`, viewer);
      expect(response.status, query).toBe(422);
      expect(await response.json()).toMatchObject({ error: { issues: [{ field }] } });
    }
  });

  it('shows the workspace a full filtered page, and its next page keeps the filter', async () => {
    const page = await app.request('/admin/subscribers?state=confirmed&topic=economy', {
      headers: { cookie },
    });
    const html = await page.text();
    const shown = [...html.matchAll(/>(list\.\d{3}@example\.com)</g)].map((m) => m[1]);
    // Economy readers: every 11th and every 7th, confirmed (but the two the test above moved);
    // far more readers follow politics.
    const economy = range(READERS).filter(
      (i) => (isMatch(i) || i % 7 === 0) && confirmed(i) && i !== 11 && i !== 22,
    );
    expect(shown).toEqual(economy.map(email));

    const first = await app.request('/admin/subscribers?q=list.&state=confirmed', {
      headers: { cookie },
    });
    const next = /href="\/admin\/subscribers\?([^"]+)">Next page/.exec(await first.text())?.[1];
    const params = Object.fromEntries(new URLSearchParams(next!.replaceAll('&amp;', '&')));
    expect(params).toMatchObject({ q: 'list.', state: 'confirmed', cursor: expect.any(String) });
    const second = await app.request(`/admin/subscribers?${new URLSearchParams(params)}`, {
      headers: { cookie },
    });
    const rest = [...(await second.text()).matchAll(/>(list\.\d{3}@example\.com)</g)].map(
      (m) => m[1],
    );
    // The second page of confirmed readers, from the 101st on.
    expect(rest[0]).toBe(email(range(READERS).filter((i) => confirmed(i) && i !== 11)[100]!));

    // Part of an address, in any case, finds; nothing found says so, and how the box searches.
    const partial = await (
      await app.request('/admin/subscribers?q=LIST.00', { headers: { cookie } })
    ).text();
    expect([...partial.matchAll(/>(list\.\d{3}@example\.com)</g)].map((m) => m[1])).toEqual(
      range(10).map(email),
    );
    expect(partial).not.toContain('data-testid="no-results"');
    const nothing = await (
      await app.request('/admin/subscribers?q=nobody', { headers: { cookie } })
    ).text();
    expect(nothing).toMatch(/data-testid="no-results">\s*No subscriber matches this search/);
    // A part from the middle or the end of an address finds too: the domain, for one.
    const domain = await (
      await app.request('/admin/subscribers?q=9@Example.COM', { headers: { cookie } })
    ).text();
    expect([...domain.matchAll(/>(list\.\d{3}@example\.com)</g)].map((m) => m[1])).toEqual(
      range(READERS)
        .filter((i) => i % 10 === 9 && i !== 11)
        .map(email),
    );
    expect(nothing).not.toContain('<th>Address</th>');
  });

  it('lists readers stored before the index once the one-off backfill gave them its keys', async () => {
    const client = createDocumentClient();
    const table = stack.env.TABLE_NAME!;
    const old = aSubscriber({ email: 'list.before-the-index@example.com' });
    const { GSI3PK: _pk, GSI3SK: _sk, ...item } = toItem(old);
    await client.send(new PutCommand({ TableName: table, Item: item }));
    const search = () => everyPage({ prefix: 'list.before' });
    expect((await search()).emails).toEqual([]);
    expect(await backfillListIndex(client, table)).toMatchObject({ updated: 1 });
    expect((await search()).emails).toEqual([old.email]);
    expect(await backfillListIndex(client, table)).toMatchObject({ updated: 0 });
    expect(await stack.deps.subscribers.get(old.id)).toEqual(old);
  });
});
