import { type Context, Hono } from 'hono';
import { bodyLimit } from './body-limit.js';
import { compress } from 'hono/compress';
import { MAX_DIRECT_BYTES } from '../core/subscribers/import-jobs.js';
import { requestId } from 'hono/request-id';
import { secureHeaders } from 'hono/secure-headers';
import type { AppDeps } from '../config.js';
import { DomainError, ErrorCodes } from '../core/errors.js';
import { createLogger, type Logger } from '../logger.js';
import { accessLog } from './access-log.js';
import { PERMISSIONS_POLICY, responsePolicy } from './response-policy.js';
import { trimTrailingSlash } from './trailing-slash.js';
import { type ErrorPage, errorResponse, handleErrors, rejection } from './errors.js';
import { MessagePage } from './pages/layout.js';
import { articleRoutes } from './routes/articles.js';
import { imageRoutes } from './routes/images.js';
import { MAX_IMAGE_BODY_BYTES } from '../core/images/limits.js';
import { readerRoutes } from './routes/reader.js';
import { signupRoutes } from './routes/signup.js';
import { TURNSTILE_ORIGIN } from './turnstile.js';

export type AppOptions = {
  /** The client's address as the platform reports it (Lambda event, Node socket), for consent records. */
  clientIp?: (c: Context) => string | undefined;
  /** Where the access log and unknown errors go; one per process (handlers add the Lambda context). */
  logger?: Logger;
};

export type AppEnv = {
  Variables: { deps: AppDeps; clientIp: string | undefined; requestId: string; logger: Logger };
};

export function createApp(deps: AppDeps, options: AppOptions = {}) {
  const logger = options.logger ?? createLogger();
  const app = new Hono<AppEnv>();

  app.use(requestId());
  app.use(accessLog(logger));
  app.use(publicSecureHeaders(deps.publication));
  app.use(responsePolicy);
  // Pages and feeds go out gzipped to a browser that asks (bodies over 1 KB; the JSON answers are
  // smaller). API Gateway passes them through: the Lambda adapter base64s an encoded body.
  app.use(compress());
  app.use(trimTrailingSlash);
  // JSON whatever the route: nothing of an oversized body is read, so nothing to render it into.
  const small = bodyLimit({ maxSize: 64 * 1024, onError: (c) => errorResponse(c, tooLarge) });
  // A CSV posted to an import route whole; bigger files go straight to the blob store.
  const upload = bodyLimit({
    maxSize: MAX_DIRECT_BYTES + 64 * 1024,
    onError: (c) => errorResponse(c, uploadTooLarge),
  });
  // An image posted to the workspace or the API: its own check (IMAGE_MAX_BYTES) names the field.
  const image = bodyLimit({
    maxSize: MAX_IMAGE_BODY_BYTES + 64 * 1024,
    onError: (c) => errorResponse(c, imageTooLarge),
  });
  app.use((c, next) =>
    (UPLOAD_PATHS.has(c.req.path) ? upload : IMAGE_PATHS.has(c.req.path) ? image : small)(c, next),
  );
  app.use(async (c, next) => {
    c.set('deps', deps);
    c.set('clientIp', options.clientIp?.(c));
    c.set('logger', logger);
    await next();
  });

  app.get('/healthz', (c) => c.json({ ok: true }));
  app.get('/robots.txt', (c) => c.text(ROBOTS));
  app.route('/', signupRoutes);
  app.route('/', readerRoutes);
  app.route('/', articleRoutes);
  app.route('/', imageRoutes);

  app.notFound((c) =>
    wantsJson(c)
      ? errorResponse(c, noSuchEndpoint)
      : c.html(
          <MessagePage publication={deps.publication} title="Page not found">
            <p>
              There is nothing at this address. <a href="/">Go to the front page</a>.
            </p>
          </MessagePage>,
          404,
        ),
  );
  app.onError(handleErrors({ logger, wantsJson, page: publicErrorPage(deps) }));
  return app;
}

/**
 * The pages are for everyone; the workspace, the API and the links only one reader was sent
 * (their tokens are in the path) are for no crawler.
 */
const ROBOTS = `User-agent: *
Allow: /
Disallow: /admin
Disallow: /api/
Disallow: /confirm/
Disallow: /unsubscribe/
Disallow: /preferences/
`;

/** The security headers of every public response (the feeds function's too). */
export const publicSecureHeaders = (publication: AppDeps['publication']) =>
  secureHeaders({
    contentSecurityPolicy: cspDirectives(publication),
    // A page that sets its own policy keeps it (the import form's, which runs a script).
    overwrite: false,
    // HSTS only where the public origin is https: on plain http (the local stack) browsers ignore
    // it anyway, and a stray one would pin 127.0.0.1 to https for every other local service.
    strictTransportSecurity: publication.baseUrl.startsWith('https://')
      ? 'max-age=31536000; includeSubDomains'
      : false,
    // The workspace's error page links back to the form it came from, which it learns from
    // the Referer: same-origin keeps that, and still tells other sites nothing (not even the
    // origin), so a reader's path with its token never leaves the site.
    referrerPolicy: 'same-origin',
    // As frame-ancestors 'none' says, for browsers that predate CSP's (the previews' frames are
    // srcdoc documents, which no header governs).
    xFrameOptions: 'DENY',
    permissionsPolicy: PERMISSIONS_POLICY,
  });

type CspDirectives = Record<string, string[]>;

function cspDirectives(publication: AppDeps['publication']): CspDirectives {
  return {
    defaultSrc: ["'none'"],
    styleSrc: ["'unsafe-inline'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
    baseUri: ["'none'"],
    // Crawlers' tools fetch /robots.txt from inside the page (Lighthouse does), which default-src
    // 'none' forbids; with no script allowed, nothing of the page's own could use it.
    connectSrc: ["'self'"],
    // Our images (/images/…), and the https images articles may link (core/content/article.ts).
    imgSrc: ["'self'", 'https:'],
    // No script at all, unless signups need Turnstile: then its script and its frame, nothing else.
    ...(publication.captchaSiteKey && {
      scriptSrc: [TURNSTILE_ORIGIN],
      frameSrc: [TURNSTILE_ORIGIN],
    }),
  };
}

/** The app's policy with `extra` directives on top, as a header value: for a page that needs more. */
export function contentSecurityPolicy(publication: AppDeps['publication'], extra: CspDirectives) {
  return Object.entries({ ...cspDirectives(publication), ...extra })
    .map(
      ([name, values]) =>
        `${name.replace(/[A-Z]/g, (ch) => `-${ch.toLowerCase()}`)} ${values.join(' ')}`,
    )
    .join('; ');
}

const wantsJson = (c: Context) => c.req.path.startsWith('/api/');

const tooLarge = rejection(
  ErrorCodes.payloadTooLarge,
  '(body)',
  'is larger than 64 KB',
  'The request body is larger than 64 KB.',
);
const uploadTooLarge = rejection(
  ErrorCodes.payloadTooLarge,
  '(body)',
  'is larger than 4 MB',
  'The file is larger than 4 MB: create an import (POST /api/admin/imports) and PUT it to its upload URL.',
);
/** The routes that take a CSV in the request itself (text/csv, or a form's file). */
const UPLOAD_PATHS = new Set([
  '/api/admin/imports',
  '/api/admin/subscribers/import',
  '/admin/subscribers/import',
]);
const imageTooLarge = rejection(
  ErrorCodes.payloadTooLarge,
  'file',
  `is larger than ${MAX_IMAGE_BODY_BYTES / 1024 / 1024} MB`,
);
/** The routes that take an image upload (multipart/form-data). */
const IMAGE_PATHS = new Set(['/api/admin/images', '/admin/images']);
export const noSuchEndpoint = new DomainError(ErrorCodes.notFound, 'No such endpoint.');

const titles: Partial<Record<number, string>> = {
  500: 'Something went wrong',
  503: 'Please try again',
};

/** A reader's error page: the publication's own layout, the error's message and nothing else. */
const publicErrorPage =
  (deps: AppDeps): ErrorPage =>
  (c, error, status) =>
    c.html(
      <MessagePage
        publication={deps.publication}
        title={titles[status] ?? 'Something is not right'}
      >
        <p>{error.message}</p>
      </MessagePage>,
      status,
    );
