import type { MiddlewareHandler } from 'hono';
import type { AdminDeps } from '../deps.js';
import { page, type WorkspaceEnv } from './page.js';

/**
 * The workspace is signed in by a cookie, so a form another site posts would carry it: besides
 * the session's CSRF token and the cookie's SameSite=Strict, a POST is refused when the browser
 * says it came from elsewhere (OWASP's "verifying origin with standard headers"): Sec-Fetch-Site
 * cross-site or same-site (a sibling subdomain is not this site), or an Origin that is neither
 * this request's nor the publication's (`null` included). A client that sends neither header is
 * no browser, and has no cookie of anyone else's to ride on; the CSRF token still applies to it.
 */
export function sameOriginPosts(deps: AdminDeps): MiddlewareHandler<WorkspaceEnv> {
  const publicationOrigin = new URL(deps.publication.baseUrl).origin;
  return async (c, next) => {
    if (SAFE_METHODS.has(c.req.method)) return next();
    const site = c.req.header('sec-fetch-site');
    const origin = c.req.header('origin');
    const foreign =
      site === 'cross-site' ||
      site === 'same-site' ||
      (origin !== undefined &&
        origin !== new URL(c.req.url).origin &&
        origin !== publicationOrigin);
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
