import type { Article } from '../content/article.js';
import { draftFor, previewIssue, type PreviewDeps } from '../issues/preview.js';

/**
 * An article as its email, whether or not the catalog lists it: a workspace draft, or a source not
 * saved yet (`validateSource` first). The preview renders it alone, through the send's template.
 */
export function previewArticleEmail(deps: PreviewDeps, article: Article) {
  const only = { all: async () => [article], bySlug: async () => article };
  return previewIssue({ ...deps, articles: only }, draftFor(article));
}
