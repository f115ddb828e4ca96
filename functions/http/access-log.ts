import { createHash } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { Logger } from '../logger.js';

/**
 * One log line per request. The path is logged without its tokens: a confirm, unsubscribe or
 * preferences token is a capability (whoever holds it acts as the reader), and logs are read by
 * more people than the mail is. Query strings and bodies are never logged (they carry addresses).
 */
export function accessLog(logger: Logger): MiddlewareHandler {
  return async (c, next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      logger.info('request', {
        requestId: c.get('requestId'),
        method: c.req.method,
        path: redactPath(c.req.path),
        status: c.res.status,
        durationMs: Math.round((performance.now() - started) * 10) / 10,
      });
    }
  };
}

/**
 * An unknown error's message may quote an address (an SDK or SES message does). Logs keep a
 * short hash instead: enough to correlate two lines about one reader, not enough to mail them.
 */
export function hashAddresses(text: string): string {
  // Capped first: the pattern is quadratic on a long run without spaces, and a log line needs no more.
  return text
    .slice(0, 4000)
    .replace(
      /[^\s@<>"'(),;:]+@[^\s@<>"'(),;:]+\.[^\s@<>"'(),;:]+/g,
      (address) =>
        `addr:${createHash('sha256').update(address.toLowerCase()).digest('hex').slice(0, 12)}`,
    );
}

/** Reader routes whose second segment is a signed token. */
const TOKEN_ROUTES = new Set(['confirm', 'unsubscribe', 'preferences']);

/** `/confirm/<token>/resend` -> `/confirm/:token/resend`; any other long opaque segment too, in case a route is added. */
export function redactPath(path: string): string {
  const segments = path.split('/');
  return segments
    .map((segment, i) => {
      if (i === 2 && TOKEN_ROUTES.has(segments[1] ?? '')) return ':token';
      return segment.length >= 32 && /^[A-Za-z0-9._~%-]+$/.test(segment) ? ':redacted' : segment;
    })
    .join('/')
    .slice(0, 512);
}
