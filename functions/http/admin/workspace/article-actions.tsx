import { type Context, Hono } from 'hono';
import {
  getArticle,
  getRevision,
  listRevisions,
  publishArticle,
  restoreRevision,
  scheduleArticle,
  unpublishArticle,
} from '../../../core/articles/manage.js';
import type { AdminDeps } from '../deps.js';
import { Csrf } from '../layout.js';
import { RevisionList } from '../pages/article-state.js';
import { When } from '../pages/when.js';
import { publishing, restoring, unpublishing } from './article-consequences.js';
import { canEdit, editorOf, editPage } from './article-editor.js';
import { formOf } from './article-form.js';
import { askFirst } from './ask-first.js';
import { page, redirect, type WorkspaceEnv } from './page.js';
import { backOnTheForm } from './refused.js';

/** The version the page was showing: a change made since is a 409, not acted on unseen. */
const shownVersion = async (c: Context<WorkspaceEnv>) => {
  const raw = (await c.req.parseBody()).version;
  return typeof raw === 'string' && raw !== '' ? Number(raw) : undefined;
};

/** The schedule form's time. datetime-local has no zone: the form says UTC, so read it as UTC. */
async function publishAtOf(c: Context<WorkspaceEnv>) {
  const raw = (await c.req.parseBody()).at;
  const text = typeof raw === 'string' ? raw.trim() : '';
  const at = new Date(/Z|[+-]\d\d:\d\d$/.test(text) ? text : `${text}Z`);
  // An unreadable time goes to the domain as typed, for its own 422 under the field.
  return Number.isNaN(at.getTime()) ? text : at.toISOString();
}

/**
 * A workspace article's state changes and its history. Publishing, unpublishing and restoring
 * ask first, saying what readers will see and what mail already sent keeps.
 */
export const articleActionRoutes = (deps: AdminDeps) => {
  const done = (c: Context<WorkspaceEnv>, notice: string) =>
    redirect(c, `/admin/articles/${c.req.param('slug')}/edit?notice=${notice}`);
  const change = async (c: Context<WorkspaceEnv>) => ({
    slug: c.req.param('slug') ?? '',
    by: editorOf(c),
    version: await shownVersion(c),
  });
  return new Hono<WorkspaceEnv>()
    .post('/:slug/publish', askFirst(publishing(deps)), async (c) => {
      await publishArticle(deps, await change(c));
      return done(c, 'article_published');
    })
    .post('/:slug/unpublish', askFirst(unpublishing(deps)), async (c) => {
      await unpublishArticle(deps, await change(c));
      return done(c, 'article_unpublished');
    })
    .post(
      '/:slug/schedule',
      backOnTheForm(async (c, refused) => editPage(deps, c, { refusedSchedule: refused })),
      async (c) => {
        await scheduleArticle(deps, { ...(await change(c)), publishAt: await publishAtOf(c) });
        return done(c, 'article_scheduled');
      },
    )
    .get('/:slug/history', async (c) => {
      const article = await getArticle(deps, c.req.param('slug'));
      const revisions = await listRevisions(deps, article.slug);
      return page(
        c,
        `History: ${formOf(article.slug, article.source).title}`,
        <>
          <p>
            Every save is a revision, kept for good; restoring one adds a new revision with its
            text. <a href={`/admin/articles/${article.slug}/edit`}>Back to the article</a>
          </p>
          <RevisionList slug={article.slug} revisions={revisions} />
        </>,
      );
    })
    .get('/:slug/history/:number', async (c) => {
      const article = await getArticle(deps, c.req.param('slug'));
      const revision = await getRevision(deps, article.slug, Number(c.req.param('number')));
      const current = revision.source === article.source;
      return page(
        c,
        `Revision ${revision.number}: ${formOf(article.slug, revision.source).title}`,
        <>
          <p>
            Saved by {revision.by} <When at={revision.at} />: {revision.change}.{' '}
            <a href={`/admin/articles/${article.slug}/history`}>All revisions</a>
          </p>
          {current ? <p class="notice">This is the article's text now.</p> : null}
          {!current && canEdit(c) ? (
            <form
              method="post"
              action={`/admin/articles/${article.slug}/history/${revision.number}/restore`}
            >
              <Csrf token={c.get('session').csrf} />
              <input type="hidden" name="version" value={String(article.version)} />
              <button type="submit">Restore revision {revision.number}</button>
            </form>
          ) : null}
          <h2>Its markdown file</h2>
          <section class="scroll" tabindex={0} aria-label="The revision's markdown file">
            <pre data-testid="revision-source">{revision.source}</pre>
          </section>
        </>,
      );
    })
    .post('/:slug/history/:number/restore', askFirst(restoring(deps)), async (c) => {
      await restoreRevision(deps, { ...(await change(c)), number: Number(c.req.param('number')) });
      return done(c, 'article_restored');
    });
};
