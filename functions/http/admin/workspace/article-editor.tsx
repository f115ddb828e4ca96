import { type Context, Hono } from 'hono';
import type { Article } from '../../../core/content/article.js';
import { draftFor, previewIssue } from '../../../core/issues/preview.js';
import { ArticlePage } from '../../pages/article.js';
import type { AdminDeps } from '../deps.js';
import { ArticleEditor } from '../pages/article-editor.js';
import type { ArticlePreviews } from '../pages/article-previews.js';
import type { Refused } from '../pages/form-problems.js';
import { articleOfForm, slugFrom } from './article-form.js';
import { page, type WorkspaceEnv } from './page.js';
import { backOnTheForm } from './refused.js';

/** The posted form's text fields, the CSRF token and the button left out. */
export const typedIn = async (c: Context<WorkspaceEnv>): Promise<Record<string, string>> => {
  const typed: Record<string, string> = {};
  for (const [name, v] of Object.entries(await c.req.parseBody()))
    if (typeof v === 'string' && name !== '_csrf' && name !== 'action') typed[name] = v;
  return typed;
};

/**
 * The web page and the email of an article not saved anywhere: the public site's own page
 * renderer, and the issue email's template through `previewIssue`, handed this one article.
 */
export async function previewsOf(deps: AdminDeps, article: Article): Promise<ArticlePreviews> {
  const one = {
    all: async () => [article],
    bySlug: async (slug: string) => (slug === article.slug ? article : undefined),
  };
  const web = await (<ArticlePage article={article} publication={deps.publication} />).toString();
  return {
    web: String(web),
    email: await previewIssue({ ...deps, articles: one }, draftFor(article)),
  };
}

const canEdit = (c: Context<WorkspaceEnv>) => c.get('key').role === 'editor';
const today = (deps: AdminDeps) => deps.clock.now().toISOString().slice(0, 10);

/** A new article: the empty form, its preview, and (with the store) its first save as a draft. */
export const articleEditorRoutes = (deps: AdminDeps) => {
  const newPage = (
    c: Context<WorkspaceEnv>,
    shown: { form?: Record<string, string>; refused?: Refused; previews?: ArticlePreviews },
  ) =>
    page(
      c,
      'New article',
      <ArticleEditor
        publication={deps.publication}
        action="/admin/articles/new"
        slug={{ editable: true }}
        form={shown.form ?? { date: today(deps) }}
        refused={shown.refused}
        previews={shown.previews}
        csrf={c.get('session').csrf}
        canEdit={canEdit(c)}
        saveLabel="Save draft"
      />,
      shown.refused ? 422 : 200,
    );
  return new Hono<WorkspaceEnv>()
    .get('/new', (c) => newPage(c, {}))
    .post(
      '/new',
      backOnTheForm(async (c, refused) => newPage(c, { refused })),
      async (c) => {
        const form = await typedIn(c);
        // An address not chosen yet is made from the title, and shown: the editor sees it before saving.
        form.slug = form.slug?.trim() || slugFrom(form.title ?? '');
        const article = await articleOfForm(form.slug, form, deps.publication);
        return newPage(c, { form, previews: await previewsOf(deps, article) });
      },
    );
};
