import { handle, type LambdaContext, type LambdaEvent } from 'hono/aws-lambda';
import { buildAppDeps, parseConfig } from '../config.js';
import { createApp } from '../http/app.js';

const app = buildAppDeps(parseConfig(process.env)).then((deps) =>
  createApp(deps, {
    // API Gateway v2 and function URLs report the caller's address here; headers can be forged.
    clientIp: (c) => (c.env as { event?: { requestContext?: { http?: { sourceIp?: string } } } }).event?.requestContext?.http?.sourceIp,
  }),
);

/** The Hono app behind a function URL or API Gateway v2 (HTTP API). */
export async function handler(event: LambdaEvent, context: LambdaContext) {
  return handle(await app)(event, context);
}
