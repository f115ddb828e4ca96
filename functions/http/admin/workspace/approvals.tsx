/*
 * Approval of new articles in the workspace (mounted at /admin/articles): approving mails the
 * article now to its "every article" readers and "Don't send" dismisses it for good, so both ask
 * first, saying what they will do to whom.
 */
import { type Context, Hono } from 'hono';
import { approveAndFanOut } from '../../../core/delivery/start-now.js';
import { approvable, dismissArticle, type WaitingArticle } from '../../../core/issues/approvals.js';
import type { AdminDeps } from '../deps.js';
import type { Consequence } from './ask-first.js';
import { askFirst } from './ask-first.js';
import { audienceOf } from './consequences.js';
import { redirect, type WorkspaceEnv } from './page.js';

/**
 * "Approving sends “Title” now to the confirmed readers of Economy who chose every article (about
 * 12), from news@example.com.": said on the list and on the question before it is done.
 */
export const approvalSays = (deps: AdminDeps, w: WaitingArticle) =>
  `Approving sends “${w.article.title}” now to ${audienceOf(deps, w)} (about ${w.about}), from ${deps.publication.fromAddress}.`;

/** The article the form names, if it may be approved (or dismissed) now; else a 404 page. */
const waitingOne = (deps: AdminDeps, c: Context<WorkspaceEnv>) =>
  approvable(deps, c.req.param('slug') ?? '');

const approving =
  (deps: AdminDeps) =>
  async (c: Context<WorkspaceEnv>): Promise<Consequence> => {
    const w = await waitingOne(deps, c);
    return {
      title: `Send “${w.article.title}” to about ${w.about} readers now?`,
      says: `${approvalSays(deps, w)} An email cannot be recalled once sent; pausing its issue stops only what has not left.`,
      button: `Approve and send “${w.article.title}” now`,
      back: '/admin/articles',
    };
  };

const dismissing =
  (deps: AdminDeps) =>
  async (c: Context<WorkspaceEnv>): Promise<Consequence> => {
    const w = await waitingOne(deps, c);
    return {
      title: `Never send “${w.article.title}” as its own email?`,
      says: `“${w.article.title}” is not mailed to ${audienceOf(deps, w)}, and this cannot be taken back: it leaves the list of articles waiting for approval. It stays on the site and in the daily and weekly digests, and you can still send it yourself as an issue from its preview.`,
      button: `Don't send “${w.article.title}”`,
      back: '/admin/articles',
    };
  };

export const approvalRoutes = (deps: AdminDeps) =>
  new Hono<WorkspaceEnv>()
    .post('/:slug/approve', askFirst(approving(deps)), async (c) => {
      const { issue } = await approveAndFanOut(deps, c.req.param('slug'), c.get('key').name);
      return redirect(c, `/admin/issues/${issue.id}?notice=sent`);
    })
    .post('/:slug/dismiss', askFirst(dismissing(deps)), async (c) => {
      await dismissArticle(deps, c.req.param('slug'), c.get('key').name);
      return redirect(c, '/admin/articles?notice=dismissed');
    });
