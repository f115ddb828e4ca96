import type { Context } from 'aws-lambda';
// Deprecated by hono ("will be removed in v5", for `@hono/aws-lambda`), which the npm registry
// does not serve yet: switch the import when it does; the adapter's API is the same.
import { handle, type LambdaEvent } from 'hono/aws-lambda';
import { buildFeedDeps, parsePublicationConfig } from '../config.js';
import { createFeedOnlyApp } from '../http/feeds-app.js';
import { createLogger } from '../logger.js';

const logger = createLogger();

/** The publication and its articles (the package's files and the workspace's, read from the table): no secret. */
const app = buildFeedDeps(parsePublicationConfig(process.env)).then((deps) =>
  createFeedOnlyApp(deps, { logger }),
);

/** GET /feed.xml and /atom.xml (API Gateway routes them here). */
export async function handler(event: LambdaEvent, context: Context) {
  logger.addContext(context);
  return handle(await app)(event, context);
}
