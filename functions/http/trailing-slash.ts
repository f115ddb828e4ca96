import type { MiddlewareHandler } from 'hono';

/**
 * `/articles/` answers with a redirect to `/articles`, not a 404, where nothing matched.
 * Hono's own middleware redirects to an absolute URL built from the Host header, and would turn
 * `//evil.example/` into `//evil.example`, a protocol-relative address: an open redirect both
 * ways. This one answers with a path on this site only, and leaves anything else its 404.
 */
export const trimTrailingSlash: MiddlewareHandler = async (c, next) => {
  await next();
  const { method, path } = c.req;
  if (c.res.status !== 404 || (method !== 'GET' && method !== 'HEAD')) return;
  const trimmed = path.replace(/\/+$/, '');
  if (trimmed === path || !/^\/(?![/\\])[^\\]*$/.test(trimmed)) return;
  const search = new URL(c.req.url).search;
  c.res = c.redirect(`${trimmed}${search}`, 301);
};
