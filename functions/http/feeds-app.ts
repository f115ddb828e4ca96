import type { AppDeps } from '../config.js';
import { createApp, type AppOptions } from './app.js';
import { feedRoutes } from './routes/feeds.js';

/**
 * The public app plus the RSS and Atom feeds. On AWS the feeds are their own function (API Gateway
 * routes /feed.xml and /atom.xml to it): the feed library and its XML dependencies would push the
 * signup API's bundle past its budget, and feed readers poll on their own schedule anyway.
 */
export function createFeedsApp(deps: AppDeps, options: AppOptions = {}) {
  const app = createApp(deps, options);
  app.route('/', feedRoutes);
  return app;
}
