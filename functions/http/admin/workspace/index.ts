import { Hono } from 'hono';
import { DomainError } from '../../../core/errors.js';
import { errorResponse } from '../../errors.js';
import { audited } from '../audited.js';
import type { AdminDeps } from '../deps.js';
import { approvalRoutes } from './approvals.js';
import { articleActionRoutes } from './article-actions.js';
import { articleEditorRoutes } from './article-editor.js';
import { articleRoutes } from './articles.js';
import { auditRoutes } from './audit.js';
import { dashboardRoutes } from './dashboard.js';
import { editorRoutes } from './editors.js';
import { exportRoutes } from './exports.js';
import { issueEditRoutes } from './issue-edits.js';
import { digestRoutes, issueRoutes } from './issues.js';
import { workspaceErrorPage, type WorkspaceEnv } from './page.js';
import { importRoutes } from './imports.js';
import { imageRoutes } from './images.js';
import { outboxRoutes } from './outbox.js';
import { sameOriginPosts } from './same-origin.js';
import { segmentRoutes } from './segments.js';
import { sendingHoldRoutes } from './sending-hold.js';
import { sessionRoutes } from './session.js';
import { subscriberRoutes } from './subscribers.js';
import { suppressionRoutes } from './suppressions.js';
import { webhookRoutes } from './webhooks.js';

/** The editors' workspace under /admin: one sub-app per noun, behind the session's middleware. */
export function workspaceRoutes(deps: AdminDeps) {
  const admin = new Hono<WorkspaceEnv>()
    .use('/admin/*', sameOriginPosts(deps))
    .use(
      '/admin/*',
      audited(deps, 'workspace', (c) => c.get('key')),
    )
    .route('/admin', sessionRoutes(deps))
    .route('/admin', dashboardRoutes(deps))
    // Before the articles' own routes, whose /:slug would take /new.
    .route('/admin/articles', articleEditorRoutes(deps))
    .route('/admin/articles', articleActionRoutes(deps))
    .route('/admin/articles', articleRoutes(deps))
    .route('/admin/articles', approvalRoutes(deps))
    .route('/admin/issues', issueRoutes(deps))
    .route('/admin/issues', issueEditRoutes(deps))
    .route('/admin/digests', digestRoutes(deps))
    // Before the subscribers' own routes, whose /:id would take /imports.
    .route('/admin/subscribers', importRoutes(deps))
    .route('/admin/subscribers', subscriberRoutes(deps))
    .route('/admin/exports', exportRoutes(deps))
    .route('/admin/suppressions', suppressionRoutes(deps))
    .route('/admin/outbox', outboxRoutes(deps))
    .route('/admin/sending-hold', sendingHoldRoutes(deps))
    .route('/admin/webhooks', webhookRoutes(deps))
    .route('/admin/segments', segmentRoutes(deps))
    .route('/admin/images', imageRoutes(deps))
    .route('/admin/audit', auditRoutes(deps))
    .route('/admin/editors', editorRoutes(deps));
  // A domain error is the API's status on a page; anything else is the app's logged 500.
  admin.onError((error, c) => {
    if (error instanceof DomainError) return errorResponse(c, error, workspaceErrorPage);
    throw error;
  });
  return admin;
}
