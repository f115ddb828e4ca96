import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import { revisionOf, type WorkspaceArticle } from '../../functions/core/articles/article.js';
import type { WorkspaceArticleStore } from '../../functions/core/articles/ports.js';

const anArticle = (): WorkspaceArticle => ({
  slug: `contract-${randomUUID()}`,
  source: '---\ntitle: T\n---\nBody.\n',
  state: 'draft',
  version: 1,
  createdAt: '2026-12-01T10:00:00.000Z',
  updatedAt: '2026-12-01T10:00:00.000Z',
  updatedBy: 'ed@example.org',
});
const next = (a: WorkspaceArticle, change: Partial<WorkspaceArticle>): WorkspaceArticle => ({
  ...a,
  ...change,
  version: a.version + 1,
  updatedAt: `2026-12-01T10:0${a.version}:00.000Z`,
});

/**
 * The workspace articles' part of the storage contract (adapter-contract.ts runs it on dynalite,
 * DynamoDB Local and the memory fake): a create once, a save over the version read, each save's
 * revision kept and listed newest first without its text.
 */
export function workspaceArticleStoreContract(store: () => WorkspaceArticleStore) {
  it('creates an article once, reads it back as written, and lists it', async () => {
    const article = anArticle();
    expect(await store().save(article, revisionOf(article, 'created'))).toBe(true);
    const other = { ...article, source: 'another' };
    expect(await store().save(other, revisionOf(other, 'created'))).toBe(false);
    expect(await store().get(article.slug)).toEqual(article);
    expect((await store().list()).find((a) => a.slug === article.slug)).toEqual(article);
    expect(await store().get('contract-nobody')).toBeUndefined();
  });

  it('saves only over the version it read, keeping every save as a revision', async () => {
    const first = anArticle();
    await store().save(first, revisionOf(first, 'created'));
    const second = next(first, { source: 'second', state: 'published' });
    expect(await store().save(second, revisionOf(second, 'body +1 −1 lines'))).toBe(true);
    const lost = next(first, { source: 'lost update' });
    expect(await store().save(lost, revisionOf(lost, 'lost'))).toBe(false);
    const third = next(second, { state: 'scheduled', publishAt: '2027-01-01T00:00:00.000Z' });
    expect(await store().save(third, revisionOf(third, 'scheduled'))).toBe(true);
    expect(await store().get(first.slug)).toEqual(third);
    expect(await store().revisions(first.slug)).toEqual([
      {
        slug: first.slug,
        number: 3,
        state: 'scheduled',
        publishAt: '2027-01-01T00:00:00.000Z',
        at: third.updatedAt,
        by: 'ed@example.org',
        change: 'scheduled',
      },
      expect.objectContaining({ number: 2, state: 'published', change: 'body +1 −1 lines' }),
      expect.objectContaining({ number: 1, state: 'draft', change: 'created' }),
    ]);
    expect((await store().revisions(first.slug))[0]).not.toHaveProperty('source');
    expect(await store().revision(first.slug, 2)).toEqual(revisionOf(second, 'body +1 −1 lines'));
    expect(await store().revision(first.slug, 1)).toMatchObject({ source: first.source });
    expect(await store().revision(first.slug, 4)).toBeUndefined();
    expect(await store().revisions('contract-nobody')).toEqual([]);
  });
}
