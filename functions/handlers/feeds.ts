import type { Context } from 'aws-lambda';
import { handle, type LambdaEvent } from 'hono/aws-lambda';
import { buildAppDeps, parseConfig } from '../config.js';
import { createFeedsApp } from '../http/feeds-app.js';
import { lambdaClientIp } from '../http/lambda-client-ip.js';
import { createLogger } from '../logger.js';

const logger = createLogger();

const app = buildAppDeps(parseConfig(process.env), logger).then((deps) =>
  createFeedsApp(deps, { clientIp: lambdaClientIp, logger }),
);

/** GET /feed.xml and /atom.xml (API Gateway routes them here). */
export async function handler(event: LambdaEvent, context: Context) {
  logger.addContext(context);
  return handle(await app)(event, context);
}
