import { handle, type LambdaContext, type LambdaEvent } from 'hono/aws-lambda';
import { MjmlIssueRenderer } from '../adapters/mjml/mjml-renderer.js';
import { buildAdminDeps, parseConfig } from '../config.js';
import { createAdminApp } from '../http/admin/admin-app.js';
import { lambdaClientIp } from '../http/lambda-client-ip.js';
import { createLogger } from '../logger.js';

const logger = createLogger();

const config = parseConfig(process.env);
const app = buildAdminDeps(config, new MjmlIssueRenderer(config.TEMPLATES_DIR)).then((deps) =>
  createAdminApp(deps, {
    clientIp: lambdaClientIp,
    logger,
  }),
);

/** The editors' workspace and admin API (API Gateway routes /admin/* and /api/admin/* here). */
export async function handler(event: LambdaEvent, context: LambdaContext) {
  return handle(await app)(event, context);
}
