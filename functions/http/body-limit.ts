import type { MiddlewareHandler } from 'hono';
import { bodyLimit as honoBodyLimit } from 'hono/body-limit';

type BodyLimitOptions = Parameters<typeof honoBodyLimit>[0] & {
  onError: NonNullable<Parameters<typeof honoBodyLimit>[0]['onError']>;
};

/**
 * hono's bodyLimit, deciding from the headers where they are enough. hono's reads
 * `c.req.raw.body` first, which under the local server (@hono/node-server) turns the incoming
 * message into a web `Request` and a `ReadableStream` on every request, GETs included: a fifth
 * of a signup's CPU outside the AWS SDK. A body announced by `Content-Length` (and not chunked) is
 * judged by that number, as hono judges it; a GET or HEAD carries none that any route reads; only
 * a chunked body is counted as it streams, by hono's own middleware.
 */
export function bodyLimit(options: BodyLimitOptions): MiddlewareHandler {
  const streamed = honoBodyLimit(options);
  return (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    const length = c.req.header('content-length');
    if (length === undefined || c.req.header('transfer-encoding') !== undefined)
      return streamed(c, next);
    return Number.parseInt(length || '0', 10) > options.maxSize
      ? Promise.resolve(options.onError(c))
      : next();
  };
}
