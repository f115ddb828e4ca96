/**
 * The suppression list's keyed hashes: written under the current secret's version, found under
 * retired versions and the unkeyed hash of earlier releases, so rotating the secret or upgrading
 * never lets a suppressed address be mailed; an erasure leaves one keyed entry without the address.
 */
import { createHash, randomUUID } from 'node:crypto';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient, ensureTable } from '../../functions/adapters/dynamo/client.js';
import { DynamoSignupReads } from '../../functions/adapters/dynamo/dynamo-signup-reads.js';
import { DynamoSuppressionList } from '../../functions/adapters/dynamo/dynamo-suppression-list.js';
import { parseConfig } from '../../functions/config.js';
import { SuppressionKeys } from '../../functions/core/suppression-key.js';
import type { Running } from '../../local/emulators.js';
import { startInMemoryDynalite, useLocalAws } from '../support/emulators.js';

const v1 = 'first-suppression-secret-0123456789abcdef';
const v2 = 'second-suppression-secret-0123456789abcdef';
let db: Running;
let client: ReturnType<typeof createDocumentClient>;
let table: string;

beforeAll(async () => {
  db = await startInMemoryDynalite();
  useLocalAws({ dynamodb: db.url });
  client = createDocumentClient();
  table = `keys-${randomUUID()}`;
  await ensureTable(client, table);
});
afterAll(async () => db?.close());

const list = (keys: SuppressionKeys) => new DynamoSuppressionList(client, table, keys);
const stored = async () =>
  ((await client.send(new ScanCommand({ TableName: table }))).Items ?? []).filter(
    (i) => i.entity === 'suppression',
  );

describe('suppression keys', () => {
  it('are an HMAC of the address under a versioned secret: another secret gives another key', () => {
    const email = 'reader@example.org';
    const key = new SuppressionKeys(v1, 1).current(email);
    expect(key).toMatch(/^k1\.[A-Za-z0-9_-]{43}$/);
    expect(new SuppressionKeys(v2, 1).current(email)).not.toBe(key);
    expect(key).not.toContain(
      createHash('sha256').update(`suppression:${email}`).digest('base64url'),
    );
  });

  it('still find what a retired secret and the unkeyed hash of earlier releases wrote', async () => {
    const [rotated, upgraded, fresh] = ['rotated', 'upgraded', 'fresh'].map(
      (n) => `${n}.${randomUUID()}@example.org`,
    );
    await list(new SuppressionKeys(v1, 1)).suppress(rotated!, 'bounce', new Date());
    const legacy = createHash('sha256').update(`suppression:${upgraded}`).digest('base64url');
    await client.send(
      new PutCommand({
        TableName: table,
        Item: {
          PK: `SUPPRESSION#${legacy}`,
          SK: 'SUPPRESSION',
          entity: 'suppression',
          key: legacy,
          reason: 'complaint',
          at: '2026-01-01T00:00:00.000Z',
          email: upgraded,
        },
      }),
    );
    const now = new SuppressionKeys(v2, 2, [{ version: 1, secret: v1 }]);
    expect(await list(now).isSuppressed(rotated!)).toBe(true);
    expect(await list(now).isSuppressed(upgraded!)).toBe(true);
    expect(await list(now).suppressedAmong([fresh!, rotated!, upgraded!])).toEqual(
      new Set([rotated, upgraded]),
    );
    expect(await new DynamoSignupReads(client, table, now).read('x', upgraded!)).toMatchObject({
      suppressed: true,
    });
    // Without the retired secret the rotated address would be mailed again: it must be listed.
    expect(await list(new SuppressionKeys(v2, 2)).isSuppressed(rotated!)).toBe(false);
    // A later "manual" adds no second entry, under any key.
    await list(now).suppress(rotated!, 'manual', new Date());
    expect((await stored()).filter((i) => i.email === rotated)).toHaveLength(1);
  });

  it('on erasure, keep the first reason under the current key only, without the address', async () => {
    const email = `erased.${randomUUID()}@example.org`;
    await list(new SuppressionKeys(v1, 1)).suppress(email, 'complaint', new Date('2026-02-01'));
    const now = new SuppressionKeys(v2, 2, [{ version: 1, secret: v1 }]);
    await list(now).suppress(email, 'erased', new Date());
    const mine = (await stored()).filter((i) => now.all(email).includes(i.key as string));
    expect(mine).toEqual([
      expect.objectContaining({
        key: now.current(email),
        reason: 'complaint',
        at: '2026-02-01T00:00:00.000Z',
      }),
    ]);
    expect(mine[0]).not.toHaveProperty('email');
    expect(await list(now).isSuppressed(email)).toBe(true);
    await list(now).remove(email);
    expect(await list(now).isSuppressed(email)).toBe(false);
  });

  it('are configured by SUPPRESSION_SECRET, whose absence or bad retired list is named', () => {
    const base = {
      TABLE_NAME: 't',
      BASE_URL: 'http://127.0.0.1:3000',
      SIGNING_SECRET: 'signing-secret-0123456789abcdef0123456789',
      PUBLICATION_NAME: 'P',
      FROM_ADDRESS: 'news@example.org',
      POSTAL_ADDRESS: '1 Street',
    };
    expect(() => parseConfig(base)).toThrow(/SUPPRESSION_SECRET/);
    expect(() => parseConfig({ ...base, SUPPRESSION_SECRET: 'short' })).toThrow(
      /SUPPRESSION_SECRET: must be at least 32 characters/,
    );
    expect(() =>
      parseConfig({ ...base, SUPPRESSION_SECRET: v2, SUPPRESSION_OLD_SECRETS: '1:short' }),
    ).toThrow(/SUPPRESSION_OLD_SECRETS: each entry must be <version>:<secret/);
    expect(parseConfig({ ...base, SUPPRESSION_SECRET: v2 }).SUPPRESSION_KEY_VERSION).toBe(1);
  });
});
