import { describe, expect, it } from 'vitest';
import { combinedCatalog } from '../../functions/core/articles/catalog.js';
import {
  createArticle,
  publishArticle,
  scheduleArticle,
} from '../../functions/core/articles/manage.js';
import { publishNewArticles } from '../../functions/core/issues/digests.js';
import { anArticle, memoryDeliveryDeps } from '../support/builders.js';
import { MemoryWorkspaceArticleStore } from '../support/fakes/memory-workspace-articles.js';

const by = 'ed@example.org';
const source = (title: string, extra = '') =>
  `---\ntitle: ${title}\ndate: 2026-11-28\nsummary: S.\ntopics: [politics]\ndesk: D\n${extra}---\n\nBody of ${title}.\n`;

/** The delivery fakes with the catalog the app builds: content/ files and the workspace. */
function deps() {
  const base = memoryDeliveryDeps([anArticle({ slug: 'from-a-file', title: 'From a file' })]);
  const workspaceArticles = new MemoryWorkspaceArticleStore();
  const contentArticles = base.articles;
  const collisions: string[] = [];
  const articles = combinedCatalog(contentArticles, workspaceArticles, {
    clock: base.clock,
    publication: base.publication,
    onCollision: (slug) => collisions.push(slug),
    recheckMs: 0,
  });
  return { ...base, workspaceArticles, contentArticles, articles, collisions };
}
const slugs = async (d: ReturnType<typeof deps>) => (await d.articles.all()).map((a) => a.slug);

describe('the catalog of content/ and workspace articles', () => {
  it('lists published articles, a scheduled one once due, never a draft', async () => {
    const d = deps();
    await createArticle(d, { slug: 'draft-one', source: source('Draft'), by });
    await createArticle(d, { slug: 'live-one', source: source('Live'), by });
    await publishArticle(d, { slug: 'live-one', by });
    await createArticle(d, { slug: 'later-one', source: source('Later'), by });
    await scheduleArticle(d, { slug: 'later-one', publishAt: '2026-11-28T10:00:00Z', by });
    expect(await slugs(d)).toEqual(['from-a-file', 'live-one']);
    expect(await d.articles.bySlug('draft-one')).toBeUndefined();
    expect(await d.articles.bySlug('live-one')).toMatchObject({ title: 'Live', draft: false });
    d.clock.advance(3600_000);
    expect(await slugs(d)).toEqual(['from-a-file', 'live-one', 'later-one']);
  });

  it('hides a workspace article whose slug a content/ file took later: the file wins', async () => {
    const d = deps();
    await createArticle(d, { slug: 'shared', source: source('Workspace'), by });
    await publishArticle(d, { slug: 'shared', by });
    d.contentArticles.list.push(anArticle({ slug: 'shared', title: 'The file' }));
    expect((await d.articles.all()).filter((a) => a.slug === 'shared')).toEqual([
      expect.objectContaining({ title: 'The file' }),
    ]);
    expect((await d.articles.bySlug('shared'))?.title).toBe('The file');
    expect(d.collisions).toContain('shared');
    expect(await d.articles.collisions()).toEqual(['shared']);
  });

  it('mails a workspace article with sendWhenPublished once the tick sees it, published or come due', async () => {
    const d = deps();
    await publishNewArticles(d); // the baseline: the file was there before
    await createArticle(d, {
      slug: 'at-once',
      source: source('At once', 'sendWhenPublished: true\n'),
      by,
    });
    await createArticle(d, { slug: 'waits', source: source('Waits'), by });
    await createArticle(d, { slug: 'due', source: source('Due', 'sendWhenPublished: true\n'), by });
    expect(await publishNewArticles(d)).toEqual([]);
    await publishArticle(d, { slug: 'at-once', by });
    await publishArticle(d, { slug: 'waits', by });
    await scheduleArticle(d, { slug: 'due', publishAt: '2026-11-28T09:30:00Z', by });
    expect((await publishNewArticles(d)).map((i) => i.id)).toEqual(['publish-at-once']);
    expect((await d.publications.published()).map((p) => [p.slug, p.approval])).toEqual([
      ['at-once', undefined],
      ['waits', 'waiting'],
    ]);
    d.clock.advance(3600_000);
    expect((await publishNewArticles(d)).map((i) => i.id)).toEqual(['publish-due']);
  });
});
