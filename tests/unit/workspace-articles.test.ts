import { describe, expect, it } from 'vitest';
import {
  createArticle,
  listRevisions,
  publishArticle,
  restoreRevision,
  scheduleArticle,
  unpublishArticle,
  updateArticle,
  type ArticleDeps,
} from '../../functions/core/articles/manage.js';
import { DomainError } from '../../functions/core/errors.js';
import { anArticle, aPublication, articleSource, fixedClock } from '../support/builders.js';
import { MemoryWorkspaceArticleStore } from '../support/fakes/memory-workspace-articles.js';

const source = (title = 'Budget passes', body = 'First line.\n\nSecond line.', extra = '') =>
  `---\ntitle: ${title}\ndate: 2026-11-28\nsummary: A summary.\ntopics: [politics]\ndesk: Politics desk\n${extra}---\n\n${body}\n`;

function deps() {
  return {
    workspaceArticles: new MemoryWorkspaceArticleStore(),
    contentArticles: articleSource([anArticle({ slug: 'from-a-file' })]),
    clock: fixedClock(),
    publication: aPublication(),
  } satisfies ArticleDeps;
}
const by = 'ed@example.org';

/** The DomainError a call throws: its code and the fields it names. */
async function refusal(call: Promise<unknown>) {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DomainError);
  const { code, details } = error as DomainError;
  return { code, fields: (details.issues ?? []).map((i) => i.field) };
}

describe('workspace articles: written, published, scheduled, restored', () => {
  it('creates a draft and keeps a revision of every save, with what changed', async () => {
    const d = deps();
    const created = await createArticle(d, { slug: 'budget', source: source(), by });
    expect(created).toMatchObject({ slug: 'budget', state: 'draft', version: 1, updatedBy: by });
    const edited = await updateArticle(d, {
      slug: 'budget',
      source: source('Budget passes at last', 'First line.\n\nA new second line.\n\nThird.'),
      version: 1,
      by: 'vi@example.org',
    });
    expect(edited.version).toBe(2);
    const published = await publishArticle(d, { slug: 'budget', by });
    expect(published).toMatchObject({
      state: 'published',
      firstPublishedAt: '2026-11-28T09:00:00.000Z',
    });
    expect((await listRevisions(d, 'budget')).map((r) => [r.number, r.by, r.change])).toEqual([
      [3, by, 'published'],
      [2, 'vi@example.org', 'title; body +2 −1 lines'],
      [1, by, 'created'],
    ]);
  });

  it('restores an earlier text as a new revision, keeping the state', async () => {
    const d = deps();
    await createArticle(d, { slug: 'budget', source: source(), by });
    await updateArticle(d, { slug: 'budget', source: source('Oops'), version: 1, by });
    await publishArticle(d, { slug: 'budget', by });
    const restored = await restoreRevision(d, { slug: 'budget', number: 1, by });
    expect(restored).toMatchObject({ version: 4, state: 'published', source: source() });
    expect((await listRevisions(d, 'budget'))[0]?.change).toBe('restored revision 1 (title)');
    expect(await refusal(restoreRevision(d, { slug: 'budget', number: 9, by }))).toEqual({
      code: 'not_found',
      fields: [],
    });
  });

  it('refuses a content/ file’s slug, a taken one and a bad one, naming the slug', async () => {
    const d = deps();
    for (const slug of ['from-a-file', 'Not A Slug'])
      expect(await refusal(createArticle(d, { slug, source: source(), by }))).toEqual({
        code: 'invalid_input',
        fields: ['slug'],
      });
    await createArticle(d, { slug: 'budget', source: source(), by });
    expect(
      (await refusal(createArticle(d, { slug: 'budget', source: source(), by }))).fields,
    ).toEqual(['slug']);
    expect(d.workspaceArticles.articles.size).toBe(1);
  });

  it('validates with the content/ files’ schema, naming each field, and writes nothing', async () => {
    const d = deps();
    const bad =
      '---\ntitle: ""\ndate: 2026-11-28\nsummary: S\ntopics: [gardening]\ndesk: D\n---\n\nBody\n';
    expect(await refusal(createArticle(d, { slug: 'bad', source: bad, by }))).toEqual({
      code: 'invalid_input',
      fields: ['title', 'topics'],
    });
    expect((await refusal(createArticle(d, { slug: 'bad', source: '', by }))).fields).toEqual([
      'source',
    ]);
    await createArticle(d, { slug: 'budget', source: source(), by });
    expect(
      (await refusal(updateArticle(d, { slug: 'budget', source: source('T', ''), version: 1, by })))
        .fields,
    ).toEqual(['(body)']);
    expect(
      await refusal(updateArticle(d, { slug: 'budget', source: source('Late'), version: 0, by })),
    ).toEqual({
      code: 'conflict',
      fields: [],
    });
    expect((await d.workspaceArticles.get('budget'))?.version).toBe(1);
  });

  it('will not publish or schedule an article whose front matter says draft: true', async () => {
    const d = deps();
    await createArticle(d, { slug: 'budget', source: source('T', 'Body', 'draft: true\n'), by });
    expect((await refusal(publishArticle(d, { slug: 'budget', by }))).fields).toEqual(['draft']);
  });

  it('schedules for a future time only; a due one is published at its next save', async () => {
    const d = deps();
    await createArticle(d, { slug: 'budget', source: source(), by });
    expect(
      (await refusal(scheduleArticle(d, { slug: 'budget', publishAt: '2026-11-28T08:00:00Z', by })))
        .fields,
    ).toEqual(['publishAt']);
    expect(
      (await refusal(scheduleArticle(d, { slug: 'budget', publishAt: 'tomorrow', by }))).fields,
    ).toEqual(['publishAt']);
    const scheduled = await scheduleArticle(d, {
      slug: 'budget',
      publishAt: '2026-11-28T10:00:00Z',
      by,
    });
    expect(scheduled).toMatchObject({ state: 'scheduled', publishAt: '2026-11-28T10:00:00.000Z' });
    d.clock.advance(2 * 3600_000);
    const corrected = await updateArticle(d, {
      slug: 'budget',
      source: source('Fixed'),
      version: 2,
      by,
    });
    expect(corrected).toMatchObject({
      state: 'published',
      firstPublishedAt: '2026-11-28T10:00:00.000Z',
    });
    expect(corrected).not.toHaveProperty('publishAt');
    expect((await unpublishArticle(d, { slug: 'budget', by })).state).toBe('unpublished');
    // Unpublished, the slug stays the article's: it cannot be created again.
    expect(
      (await refusal(createArticle(d, { slug: 'budget', source: source(), by }))).fields,
    ).toEqual(['slug']);
  });
});
