import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { requireRole } from '../../../core/access/api-keys.js';
import {
  csrfMatches,
  currentSession,
  SESSION_TTL_MS,
  signIn,
  signOut,
} from '../../../core/access/sessions.js';
import { DomainError, ErrorCodes } from '../../../core/errors.js';
import type { AdminDeps } from '../deps.js';
import { SignInPage } from '../pages/sign-in.js';
import { page, redirect, type WorkspaceEnv } from './page.js';

/**
 * The session cookie's name. Over https it carries the __Host- prefix: browsers then accept it
 * only with Secure, Path=/ and no Domain, so no sibling subdomain and no plain-http page can set
 * or shadow it. Plain http (the local stack) cannot have Secure cookies, hence no prefix there.
 */
export const sessionCookieName = (deps: Pick<AdminDeps, 'publication'>) =>
  isHttps(deps) ? '__Host-dispatch_session' : 'dispatch_session';
const isHttps = (deps: Pick<AdminDeps, 'publication'>) =>
  deps.publication.baseUrl.startsWith('https://');

/** Sign-in and sign-out; between them, every workspace page needs the session (mounted at /admin). */
export function sessionRoutes(deps: AdminDeps) {
  const secure = isHttps(deps);
  const COOKIE = sessionCookieName(deps);
  const signInPage = (c: Context<WorkspaceEnv>, error?: string, status: 200 | 401 | 429 = 200) =>
    c.html(<SignInPage publication={deps.publication} error={error} />, status);

  return new Hono<WorkspaceEnv>()
    .get('/sign-in', (c) => signInPage(c))
    .post('/sign-in', async (c) => {
      const body = await c.req.parseBody();
      try {
        const { cookie, key } = await signIn(
          deps,
          typeof body.key === 'string' ? body.key.trim() : undefined,
          { ip: c.get('clientIp'), logger: c.get('logger') },
        );
        c.set('key', key); // for the audit trail: who signed in
        setCookie(c, COOKIE, cookie, {
          httpOnly: true,
          sameSite: 'Strict',
          secure,
          path: '/',
          maxAge: SESSION_TTL_MS / 1000,
        });
        return redirect(c, '/admin');
      } catch (error) {
        if (error instanceof DomainError && error.code === ErrorCodes.unauthorized)
          return signInPage(c, 'That key is not valid.', 401);
        if (error instanceof DomainError && error.code === ErrorCodes.rateLimited) {
          c.header('Retry-After', String(error.details.retryAfterSeconds ?? 900));
          return signInPage(c, error.message, 429);
        }
        throw error;
      }
    })
    .use('/*', requireSession(deps))
    .post('/sign-out', async (c) => {
      await signOut(deps, getCookie(c, COOKIE));
      deleteCookie(c, COOKIE, { path: '/', secure });
      return redirect(c, '/admin/sign-in');
    });
}

/** Every other workspace page: a session, and a CSRF token and an editor's key on every POST. */
function requireSession(deps: AdminDeps): MiddlewareHandler<WorkspaceEnv> {
  const COOKIE = sessionCookieName(deps);
  return async (c, next) => {
    const found = await currentSession(deps, getCookie(c, COOKIE));
    if (!found)
      return c.req.method === 'GET' ? redirect(c, '/admin/sign-in') : c.text('Sign in first.', 401);
    c.set('session', found.session);
    c.set('key', found.key);
    if (c.req.method === 'POST') {
      const form = await c.req.parseBody({ all: true });
      if (!csrfMatches(found.session, form._csrf))
        return page(
          c,
          'Form expired',
          <p class="error">
            This form has expired or did not come from this site. Go back, reload and try again.
          </p>,
          403,
        );
      if (c.req.path !== '/admin/sign-out') requireRole(found.key, 'editor');
    }
    await next();
  };
}
