import type { Context } from 'hono';

/** The caller's address as API Gateway v2 reports it; headers such as X-Forwarded-For can be forged. */
export const lambdaClientIp = (c: Context) =>
  (c.env as { event?: { requestContext?: { http?: { sourceIp?: string } } } }).event?.requestContext
    ?.http?.sourceIp;
