import type { AppOptions } from '../app.js';
import { createFeedsApp } from '../feeds-app.js';
import type { AdminDeps } from './deps.js';
import { adminApiRoutes } from './api/index.js';
import { workspaceRoutes } from './workspace/index.js';

/**
 * The public app plus the editors' workspace (/admin) and API (/api/admin). A separate Lambda on
 * AWS: previews and test sends need MJML, which must stay out of the public API's bundle.
 */
export function createAdminApp(deps: AdminDeps, options: AppOptions = {}) {
  // Locally this one server is everything: the public app, the feeds and the workspace.
  const app = createFeedsApp(deps, options);
  // The API's errors are JSON (the app's onError); the pages' are pages (their own onError).
  app.route('/api/admin', adminApiRoutes(deps));
  app.route('/', workspaceRoutes(deps));
  return app;
}
