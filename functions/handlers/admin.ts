import type { Context } from 'aws-lambda';
// Deprecated by hono ("will be removed in v5", for `@hono/aws-lambda`), which the npm registry
// does not serve yet: switch the import when it does; the adapter's API is the same.
import { handle, type LambdaEvent } from 'hono/aws-lambda';
import { MjmlIssueRenderer } from '../adapters/mjml/mjml-renderer.js';
import { buildAdminDeps, parseConfig } from '../config.js';
import { createAdminApp } from '../http/admin/admin-app.js';
import { lambdaClientIp } from '../http/lambda-client-ip.js';
import { createLogger } from '../logger.js';

const logger = createLogger();

const config = parseConfig(process.env);
const renderer = new MjmlIssueRenderer(config.TEMPLATES_DIR);
const app = buildAdminDeps(config, renderer, logger).then((deps) =>
  createAdminApp(deps, {
    clientIp: lambdaClientIp,
    logger,
  }),
);

/** The editors' workspace and admin API (API Gateway routes /admin/* and /api/admin/* here). */
export async function handler(event: LambdaEvent, context: Context) {
  logger.addContext(context);
  return handle(await app)(event, context);
}
