import type { MiddlewareHandler } from 'hono';
import type { AdminDeps } from '../deps.js';
import { page, type WorkspaceEnv } from './page.js';

/**
 * The workspace is signed in by a cookie, so a form another site posts would carry it: besides
 * the session's CSRF token and the cookie's SameSite=Strict, a POST is refused when the browser
 * says it came from elsewhere (OWASP's "verifying origin with standard headers", in the order Go's
 * CrossOriginProtection uses). Sec-Fetch-Site first, which no page can forge: only same-origin
 * (or none, the user's own doing) passes; same-site is a sibling subdomain, not this site. A
 * browser too old to send it sends Origin, which must be this request's or the publication's
 * (`null`, from a sandboxed frame or a no-referrer page, is refused). A client that sends neither
 * is no browser, and has no one else's cookie to ride on; the CSRF token still applies to it.
 */
export function sameOriginPosts(deps: AdminDeps): MiddlewareHandler<WorkspaceEnv> {
  const publicationOrigin = new URL(deps.publication.baseUrl).origin;
  return async (c, next) => {
    if (SAFE_METHODS.has(c.req.method)) return next();
    const site = c.req.header('sec-fetch-site');
    const origin = c.req.header('origin');
    const foreign =
      site !== undefined
        ? site !== 'same-origin' && site !== 'none'
        : origin !== undefined &&
          origin !== new URL(c.req.url).origin &&
          origin !== publicationOrigin;
    if (!foreign) return next();
    return page(
      c,
      'Form expired',
      <p class="error">
        This form did not come from this site, so nothing was done. Open the workspace and try again
        from there.
      </p>,
      403,
    );
  };
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
