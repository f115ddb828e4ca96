import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import * as z from 'zod';
import { parseArticle, type Article } from '../../core/content/article.js';
import type { Topic } from '../../core/publication.js';
import { contentImageSizes } from './content-images.js';
import { type FieldDefinition, fieldsFileSchema } from '../../core/subscribers/fields.js';

const topicsSchema = z
  .array(
    z.object({
      id: z.string().regex(/^[a-z0-9-]+$/),
      label: z.string().min(1),
      description: z.string().optional(),
    }),
  )
  .min(1);

/** The publication's topics, from `content/topics.json`. */
export async function loadTopics(contentDir: string): Promise<Topic[]> {
  return topicsSchema.parse(JSON.parse(await readFile(join(contentDir, 'topics.json'), 'utf8')));
}

/**
 * The readers' custom fields, from `content/fields.json`; none when the file is absent. A bad
 * file stops the start with the field at fault, as a bad topics.json does.
 */
export async function loadFields(contentDir: string): Promise<FieldDefinition[]> {
  let source: string;
  try {
    source = await readFile(join(contentDir, 'fields.json'), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(source);
  } catch (error) {
    // JSON.parse names neither the file nor where to look: the editor needs both.
    throw new Error(`content/fields.json: is not valid JSON (${(error as Error).message})`);
  }
  const parsed = fieldsFileSchema.safeParse(json);
  if (!parsed.success)
    throw new Error(
      `content/fields.json: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`).join('; ')}`,
    );
  return parsed.data;
}

/**
 * Every `content/*.md` article. One bad file fails the whole load with its name and field:
 * an editor must not find out from a reader that an article never went out.
 */
export async function loadArticles(
  contentDir: string,
  topics: readonly Topic[],
  fields: readonly FieldDefinition[] = [],
): Promise<Article[]> {
  const files = (await readdir(contentDir)).filter((f) => f.endsWith('.md')).sort();
  const images = await contentImageSizes(contentDir);
  return Promise.all(
    files.map(async (file) =>
      parseArticle(file, await readFile(join(contentDir, file), 'utf8'), topics, fields, images),
    ),
  );
}

/** How long the catalog trusts what it read before looking at the folder again. */
const RECHECK_MS = 2_000;

/**
 * The articles, parsed once and re-read only when the folder changes (a file added, edited or
 * removed). On Lambda that is never; on the local stack an editor's new file shows up, and is
 * published, without a restart.
 */
export function articleCatalog(
  contentDir: string,
  topics: readonly Topic[],
  fields: readonly FieldDefinition[] = [],
) {
  let cached: { signature: string; articles: Promise<Article[]> } | undefined;
  let checkedAt = 0;
  const signature = async () => {
    const files = (await readdir(contentDir)).filter((f) => f.endsWith('.md')).sort();
    const stats = await Promise.all(
      files.map(async (f) => `${f}:${(await stat(join(contentDir, f))).mtimeMs}`),
    );
    return stats.join('|');
  };
  const recheck = async () => {
    const current = await signature();
    if (cached?.signature !== current) {
      const articles = loadArticles(contentDir, topics, fields);
      cached = { signature: current, articles };
      // A file broken mid-edit fails this read, not every read after it is fixed.
      articles.catch(() => (cached = undefined));
    }
    checkedAt = Date.now();
    return cached.articles;
  };
  // Callers that arrive while the folder is being looked at wait for that look, rather than
  // take the list from before it (two approvals at once would not both see a new file).
  let rechecking: Promise<Article[]> | undefined;
  const all = async () => {
    if (cached && Date.now() - checkedAt < RECHECK_MS) return cached.articles;
    rechecking ??= recheck().finally(() => (rechecking = undefined));
    return rechecking;
  };
  return {
    all,
    async bySlug(slug: string) {
      return (await all()).find((a) => a.slug === slug);
    },
  };
}
export type ArticleCatalog = ReturnType<typeof articleCatalog>;
