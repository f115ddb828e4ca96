import { type Context, Hono } from 'hono';
import { createArticle, getArticle, updateArticle } from '../../../core/articles/manage.js';
import type { Article } from '../../../core/content/article.js';
import { draftFor, previewIssue } from '../../../core/issues/preview.js';
import { ArticlePage } from '../../pages/article.js';
import type { AdminDeps } from '../deps.js';
import { ArticleEditor } from '../pages/article-editor.js';
import { ArticleStatePanel } from '../pages/article-state.js';
import type { ArticlePreviews } from '../pages/article-previews.js';
import type { Refused } from '../pages/form-problems.js';
import {
  articleOfForm,
  articleSource,
  formOf,
  onTheArticleForm,
  slugFrom,
} from './article-form.js';
import { noticeOf, page, redirect, type WorkspaceEnv } from './page.js';
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

export const canEdit = (c: Context<WorkspaceEnv>) => c.get('key').role === 'editor';
/** Who a revision says saved it: the key's address, or its name on a key made before keys had one. */
export const editorOf = (c: Context<WorkspaceEnv>) => c.get('key').email ?? c.get('key').name;
const today = (deps: AdminDeps) => deps.clock.now().toISOString().slice(0, 10);

type Shown = {
  form?: Record<string, string>;
  refused?: Refused;
  refusedSchedule?: Refused;
  previews?: ArticlePreviews;
};

/**
 * New articles and saved ones: the form, its preview (which saves nothing), and Save, which
 * creates a draft or keeps a new revision. Both go through the one schema before the store's
 * own check, so every problem is said at once, under its field.
 */
export const articleEditorRoutes = (deps: AdminDeps) => {
  const newPage = (c: Context<WorkspaceEnv>, shown: Shown) =>
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
        if ((await c.req.parseBody()).action === 'preview')
          return newPage(c, { form, previews: await previewsOf(deps, article) });
        const source = articleSource(form, deps.publication);
        const slug = form.slug;
        await onTheArticleForm(() => createArticle(deps, { slug, source, by: editorOf(c) }));
        return redirect(c, `/admin/articles/${slug}/edit?notice=article_created`);
      },
    )
    .get('/:slug/edit', async (c) => {
      // A content/ file's article is read here, never written: it changes with its file.
      const file = (await deps.workspaceArticles.get(c.req.param('slug')))
        ? undefined
        : await deps.contentArticles.bySlug(c.req.param('slug'));
      if (!file) return editPage(deps, c, {});
      return page(
        c,
        `Article: ${file.title}`,
        <p class="notice">
          “{file.title}” is the file <code>content/{file.slug}.md</code>: it changes with that file
          and a deploy, not in the workspace.{' '}
          <a href={`/admin/articles/${file.slug}`}>Its preview</a>
        </p>,
      );
    })
    .post(
      '/:slug/edit',
      backOnTheForm(async (c, refused) => editPage(deps, c, { refused })),
      async (c) => {
        const slug = c.req.param('slug');
        const form = await typedIn(c);
        const article = await articleOfForm(slug, form, deps.publication);
        if ((await c.req.parseBody()).action === 'preview')
          return editPage(deps, c, { form, previews: await previewsOf(deps, article) });
        const version = Number(form.version);
        const saved = await onTheArticleForm(() =>
          updateArticle(deps, {
            slug,
            source: articleSource(form, deps.publication),
            version,
            by: editorOf(c),
          }),
        );
        const notice = saved.version === version ? 'article_unchanged' : 'article_saved';
        return redirect(c, `/admin/articles/${slug}/edit?notice=${notice}`);
      },
    );
};

/** A saved article's page: its form as stored (or as typed), its state and what can be done. */
export async function editPage(deps: AdminDeps, c: Context<WorkspaceEnv>, shown: Shown) {
  const article = await getArticle(deps, c.req.param('slug') ?? '');
  const form = shown.form ?? formOf(article.slug, article.source);
  const live = article.state === 'published';
  return page(
    c,
    `Article: ${formOf(article.slug, article.source).title}`,
    <ArticleEditor
      publication={deps.publication}
      action={`/admin/articles/${article.slug}/edit`}
      slug={{ editable: false, value: article.slug }}
      form={form}
      refused={shown.refused}
      previews={shown.previews}
      csrf={c.get('session').csrf}
      canEdit={canEdit(c)}
      saveLabel={live ? 'Save and update the web page' : 'Save draft'}
      notice={noticeOf(c)}
      // The version the editor opened, kept through a preview or a refusal: a save is judged
      // against what they read, not against whatever is stored by then.
      version={Number(shown.refused?.input.version ?? shown.form?.version ?? article.version)}
    >
      <ArticleStatePanel
        article={article}
        csrf={c.get('session').csrf}
        canEdit={canEdit(c)}
        refusedSchedule={shown.refusedSchedule}
      />
    </ArticleEditor>,
    shown.refused || shown.refusedSchedule ? 422 : 200,
  );
}
