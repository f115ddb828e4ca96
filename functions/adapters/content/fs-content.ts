import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as z from 'zod';
import { parseArticle, type Article } from '../../core/content/article.js';
import type { Topic } from '../../core/publication.js';

const topicsSchema = z
  .array(z.object({ id: z.string().regex(/^[a-z0-9-]+$/), label: z.string().min(1), description: z.string().optional() }))
  .min(1);

/** The publication's topics, from `content/topics.json`. */
export async function loadTopics(contentDir: string): Promise<Topic[]> {
  return topicsSchema.parse(JSON.parse(await readFile(join(contentDir, 'topics.json'), 'utf8')));
}

/**
 * Every `content/*.md` article. One bad file fails the whole load with its name and field:
 * an editor must not find out from a reader that an article never went out.
 */
export async function loadArticles(contentDir: string, topics: readonly Topic[]): Promise<Article[]> {
  const files = (await readdir(contentDir)).filter((f) => f.endsWith('.md')).sort();
  return Promise.all(files.map(async (file) => parseArticle(file, await readFile(join(contentDir, file), 'utf8'), topics)));
}

/** Articles are read once per process: they change with a deploy, not between requests. */
export function articleCatalog(contentDir: string, topics: readonly Topic[]) {
  let cached: Promise<Article[]> | undefined;
  const all = () => (cached ??= loadArticles(contentDir, topics));
  return {
    all,
    async bySlug(slug: string) {
      return (await all()).find((a) => a.slug === slug);
    },
  };
}
export type ArticleCatalog = ReturnType<typeof articleCatalog>;
