import type { Context } from 'aws-lambda';
// Deprecated by hono ("will be removed in v5", for `@hono/aws-lambda`), which the npm registry
// does not serve yet: switch the import when it does; the adapter's API is the same.
import { handle, type LambdaEvent } from 'hono/aws-lambda';
import { blobReaderOf, buildAppDeps, parseConfig } from '../config.js';
import { createApp } from '../http/app.js';
import { lambdaClientIp } from '../http/lambda-client-ip.js';
import { createLogger } from '../logger.js';

const logger = createLogger();

const config = parseConfig(process.env);
// The uploaded images it serves at /images/<name> (GetObject alone).
const app = buildAppDeps(config, logger).then((deps) =>
  createApp(
    { ...deps, images: blobReaderOf(config) },
    {
      clientIp: lambdaClientIp,
      logger,
    },
  ),
);

/** The Hono app behind a function URL or API Gateway v2 (HTTP API). */
export async function handler(event: LambdaEvent, context: Context) {
  logger.addContext(context);
  return handle(await app)(event, context);
}
