import { Hono } from 'hono';
import { compress } from 'hono/compress';
import { requestId } from 'hono/request-id';
import type { AppDeps } from '../config.js';
import { createLogger, type Logger } from '../logger.js';
import { accessLog } from './access-log.js';
import { createApp, noSuchEndpoint, publicSecureHeaders, type AppOptions } from './app.js';
import { errorResponse, handleErrors } from './errors.js';
import { responsePolicy } from './response-policy.js';
import { feedRoutes, type FeedDeps, type FeedEnv } from './routes/feeds.js';

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

/**
 * The feeds function's app on AWS: the two feeds alone, which API Gateway routes to it. It reads
 * only the packaged files (content/), so it has no table, no secret and no grant; the same
 * headers, compression and ETags as the public app.
 */
export function createFeedOnlyApp(deps: FeedDeps, options: { logger?: Logger } = {}) {
  const logger = options.logger ?? createLogger();
  const app = new Hono<FeedEnv>();
  app.use(requestId());
  app.use(accessLog(logger));
  app.use(publicSecureHeaders(deps.publication));
  app.use(responsePolicy);
  app.use(compress());
  app.use(async (c, next) => {
    c.set('deps', deps);
    c.set('logger', logger);
    await next();
  });
  app.route('/', feedRoutes);
  app.notFound((c) => errorResponse(c, noSuchEndpoint));
  // A feed reader is a program: it gets the JSON error envelope, never a page.
  app.onError(handleErrors({ logger, wantsJson: () => true, page: (c, e) => errorResponse(c, e) }));
  return app;
}
