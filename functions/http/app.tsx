import { createHash } from 'node:crypto';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import { requestId } from 'hono/request-id';
import { secureHeaders } from 'hono/secure-headers';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { AppDeps } from '../config.js';
import { DomainError, ErrorCodes, type ErrorCode } from '../core/errors.js';
import { MessagePage } from './pages/layout.js';
import { articleRoutes } from './routes/articles.js';
import { readerRoutes } from './routes/reader.js';
import { signupRoutes } from './routes/signup.js';
import { TURNSTILE_ORIGIN } from './turnstile.js';

export type AppOptions = {
  /** The client's address as the platform reports it (Lambda event, Node socket), for consent records. */
  clientIp?: (c: Context) => string | undefined;
  log?: (entry: Record<string, unknown>) => void;
};

export type AppEnv = {
  Variables: { deps: AppDeps; clientIp: string | undefined; requestId: string };
};

const statusOf: Record<ErrorCode, ContentfulStatusCode> = {
  [ErrorCodes.invalidInput]: 422,
  [ErrorCodes.invalidToken]: 400,
  [ErrorCodes.notFound]: 404,
  [ErrorCodes.unauthorized]: 401,
  [ErrorCodes.forbidden]: 403,
  [ErrorCodes.conflict]: 409,
  [ErrorCodes.unavailable]: 503,
  [ErrorCodes.rateLimited]: 429,
};

export function createApp(deps: AppDeps, options: AppOptions = {}) {
  const log = options.log ?? ((entry) => console.log(JSON.stringify(entry)));
  const app = new Hono<AppEnv>();

  app.use(requestId());
  app.use(accessLog(log));
  app.use(
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'none'"],
        styleSrc: ["'unsafe-inline'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
        // No script at all, unless signups need Turnstile: then its script and its frame, nothing else.
        ...(deps.publication.captchaSiteKey && {
          scriptSrc: [TURNSTILE_ORIGIN],
          frameSrc: [TURNSTILE_ORIGIN],
        }),
      },
      // HSTS only where the public origin is https: on plain http (the local stack) browsers ignore
      // it anyway, and a stray one would pin 127.0.0.1 to https for every other local service.
      strictTransportSecurity: deps.publication.baseUrl.startsWith('https://')
        ? 'max-age=31536000; includeSubDomains'
        : false,
    }),
  );
  app.use(
    bodyLimit({
      maxSize: 64 * 1024,
      onError: (c) =>
        c.json(
          {
            error: {
              code: 'payload_too_large',
              message: 'The request body is larger than 64 KB.',
              issues: [{ field: '(body)', message: 'is larger than 64 KB' }],
            },
          },
          413,
        ),
    }),
  );
  app.use(async (c, next) => {
    c.set('deps', deps);
    c.set('clientIp', options.clientIp?.(c));
    await next();
  });

  app.get('/healthz', (c) => c.json({ ok: true }));
  app.route('/', signupRoutes);
  app.route('/', readerRoutes);
  app.route('/', articleRoutes);

  app.notFound((c) =>
    wantsJson(c)
      ? c.json({ error: { code: ErrorCodes.notFound, message: 'No such endpoint.' } }, 404)
      : c.html(
          <MessagePage publication={deps.publication} title="Page not found">
            <p>
              There is nothing at this address. <a href="/">Go to the front page</a>.
            </p>
          </MessagePage>,
          404,
        ),
  );

  app.onError((error, c) => {
    if (error instanceof HTTPException) {
      // Hono's own rejections (a validator's wrong content type or malformed body) are plain
      // text; on the JSON API they say, as every other rejection there, which field and why.
      if (!wantsJson(c) || error.res || error.status >= 500) return error.getResponse();
      const field = error.status === 415 ? '(content-type)' : '(body)';
      const message =
        error.message || (error.status === 415 ? 'must be application/json' : 'is not acceptable');
      const code = error.status === 415 ? 'unsupported_media_type' : ErrorCodes.invalidInput;
      return c.json(
        { error: { code, message: `${field}: ${message}`, issues: [{ field, message }] } },
        error.status as ContentfulStatusCode,
      );
    }
    if (error instanceof DomainError) {
      const status = statusOf[error.code];
      if (error.details.retryAfterSeconds !== undefined)
        c.header('Retry-After', String(error.details.retryAfterSeconds));
      if (wantsJson(c))
        return c.json(
          { error: { code: error.code, message: error.message, issues: error.details.issues } },
          status,
        );
      return c.html(
        <MessagePage
          publication={deps.publication}
          title={status === 503 ? 'Please try again' : 'Something is not right'}
        >
          <p>{error.message}</p>
        </MessagePage>,
        status,
      );
    }
    // Unknown errors are logged with the request id; the response reveals nothing of them.
    log({
      level: 'error',
      requestId: c.get('requestId'),
      path: redactPath(c.req.path),
      error: hashAddresses(String(error)),
      stack: hashAddresses(String((error as Error).stack)),
    });
    const message = `Something went wrong on our side. Reference: ${c.get('requestId')}`;
    return wantsJson(c)
      ? c.json({ error: { code: 'internal', message } }, 500)
      : c.html(
          <MessagePage publication={deps.publication} title="Something went wrong">
            <p>{message}</p>
          </MessagePage>,
          500,
        );
  });
  return app;
}

const wantsJson = (c: Context) => c.req.path.startsWith('/api/');

/**
 * One JSON line per request. The path is logged without its tokens: a confirm, unsubscribe or
 * preferences token is a capability (whoever holds it acts as the reader), and logs are read by
 * more people than the mail is. Query strings and bodies are never logged (they carry addresses).
 */
function accessLog(log: (entry: Record<string, unknown>) => void) {
  return async (c: Context, next: () => Promise<void>) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      log({
        level: 'info',
        msg: 'request',
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
