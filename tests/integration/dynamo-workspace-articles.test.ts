import { randomUUID } from 'node:crypto';
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient, ensureTable } from '../../functions/adapters/dynamo/client.js';
import { DynamoWorkspaceArticleStore } from '../../functions/adapters/dynamo/dynamo-workspace-articles.js';
import { revisionOf, type WorkspaceArticle } from '../../functions/core/articles/article.js';
import { startInMemoryDynalite, useLocalAws } from '../support/emulators.js';

let close: () => Promise<void>;
let store: DynamoWorkspaceArticleStore;
let client: ReturnType<typeof createDocumentClient>;
const table = `test-${randomUUID()}`;

beforeAll(async () => {
  const running = await startInMemoryDynalite();
  close = running.close;
  useLocalAws({ dynamodb: running.url });
  client = createDocumentClient();
  await ensureTable(client, table);
  store = new DynamoWorkspaceArticleStore(client, table);
});
afterAll(async () => close?.());

const v = (n: number, source: string): WorkspaceArticle => ({
  slug: 'crashy',
  source,
  state: 'draft',
  version: n,
  createdAt: '2026-12-01T10:00:00.000Z',
  updatedAt: `2026-12-01T10:0${n}:00.000Z`,
  updatedBy: 'ed@example.org',
});

describe('a workspace article whose revision was lost between its two writes', () => {
  it('reads that revision from the article while it is current, and the next save writes it', async () => {
    await store.save(v(1, 'one'), revisionOf(v(1, 'one'), 'created'));
    await store.save(v(2, 'two'), revisionOf(v(2, 'two'), 'body +1 −1 lines'));
    // The process died after the article's put: revision 2 was never written.
    await client.send(
      new DeleteCommand({
        TableName: table,
        Key: { PK: 'REVISIONS#crashy', SK: `REVISION#${'2'.padStart(10, '0')}` },
      }),
    );
    expect((await store.revisions('crashy')).map((r) => [r.number, r.change])).toEqual([
      [2, 'body +1 −1 lines'],
      [1, 'created'],
    ]);
    expect((await store.revision('crashy', 2))?.source).toBe('two');
    await store.save(v(3, 'three'), revisionOf(v(3, 'three'), 'body +1 −1 lines'));
    expect((await store.revisions('crashy')).map((r) => r.number)).toEqual([3, 2, 1]);
    expect((await store.revision('crashy', 2))?.source).toBe('two');
  });
});
