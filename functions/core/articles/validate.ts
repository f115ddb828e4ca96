import { ArticleError, parseArticle, type Article } from '../content/article.js';
import { invalidInput, type FieldIssue } from '../errors.js';
import type { Publication } from '../publication.js';

/**
 * What a request may carry: the app reads at most 64 KiB of any body (http/app.tsx), and a
 * source as JSON grows by its escapes. Far under DynamoDB's 400 KB item (source and a little more).
 */
export const MAX_SOURCE_BYTES = 48 * 1024;
const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const MAX_SLUG = 100;

export type ValidationDeps = {
  publication: Pick<Publication, 'topics' | 'fields' | 'contentImages'>;
};

export function slugIssues(slug: string): FieldIssue[] {
  if (!SLUG.test(slug))
    return [{ field: 'slug', message: 'must be lower-case letters, digits and single hyphens' }];
  if (slug.length > MAX_SLUG)
    return [{ field: 'slug', message: `must be at most ${MAX_SLUG} characters` }];
  return [];
}

/**
 * The source as `parseArticle` reads a `content/` file: the same schema for files, the admin API
 * and the workspace. Its issues become the 422's, each under its front matter field (`title`,
 * `topics.0`), `(front matter)` or `(body)`; a bad slug is `slug`. `published` refuses
 * `draft: true`, which would contradict the state (the state decides what readers see).
 */
export function validateSource(
  deps: ValidationDeps,
  slug: string,
  source: string,
  options: { published?: boolean } = {},
): Article {
  const bad = slugIssues(slug);
  if (bad.length > 0) throw invalidInput(bad);
  if (typeof source !== 'string' || source.trim() === '')
    throw invalidInput([{ field: 'source', message: 'is required' }]);
  if (new TextEncoder().encode(source).length > MAX_SOURCE_BYTES)
    throw invalidInput([{ field: 'source', message: `must be at most ${MAX_SOURCE_BYTES} bytes` }]);
  let article: Article;
  try {
    article = parseArticle(
      `${slug}.md`,
      source,
      deps.publication.topics,
      deps.publication.fields,
      deps.publication.contentImages,
    );
  } catch (error) {
    if (!(error instanceof ArticleError)) throw error;
    throw invalidInput(
      error.issues.map((i) => ({ ...i, field: i.field === '(file name)' ? 'slug' : i.field })),
    );
  }
  if (options.published && article.draft)
    throw invalidInput([
      { field: 'draft', message: 'is true: remove it to publish (the article’s state decides)' },
    ]);
  return article;
}
