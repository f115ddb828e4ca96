import type { MiddlewareHandler } from 'hono';
import type { secureHeaders } from 'hono/secure-headers';

/**
 * What every answer says about itself, beyond secureHeaders (OWASP ASVS 4.0.3, V8.2.1 and V14.4):
 *
 * - a text or XML answer names its character set, so no browser guesses one (UTF-7 tricks);
 * - an answer that carries an editor's data or a reader's capability (the workspace, the admin
 *   API, the pages behind a signed link) is never stored by a browser or a shared cache;
 * - a JSON answer from the API is a download if a browser is ever made to open it, never a page.
 */
export const responsePolicy: MiddlewareHandler = async (c, next) => {
  await next();
  const headers = c.res.headers;
  const type = headers.get('content-type');
  if (type && NAMES_A_CHARSET.test(type) && !/;\s*charset=/i.test(type))
    headers.set('content-type', `${type}; charset=utf-8`);
  if (isSensitive(c.req.path)) headers.set('cache-control', 'no-store');
  if (
    c.req.path.startsWith('/api/') &&
    type?.startsWith('application/json') &&
    !headers.has('content-disposition')
  )
    headers.set('content-disposition', 'attachment; filename="api.json"');
};

/** Types whose bytes mean nothing without a character set: text/*, and XML of every kind. */
const NAMES_A_CHARSET = /^(text\/|application\/(?:[\w.-]+\+)?xml\b|[\w.-]+\/[\w.-]+\+xml\b)/i;

/** Paths whose answers are for one editor or one reader only. */
const SENSITIVE = /^\/(?:admin(?:\/|$)|api\/admin(?:\/|$)|confirm\/|unsubscribe\/|preferences\/)/;
const isSensitive = (path: string) => SENSITIVE.test(path);

/**
 * The powerful browser features no page here uses, switched off for the page and anything it
 * frames (the Turnstile widget included): a script injected despite the CSP gains none of them.
 */
export const PERMISSIONS_POLICY: NonNullable<
  NonNullable<Parameters<typeof secureHeaders>[0]>['permissionsPolicy']
> = {
  camera: [],
  microphone: [],
  geolocation: [],
  payment: [],
  usb: [],
  serial: [],
  bluetooth: [],
  midi: [],
  browsingTopics: [],
  displayCapture: [],
};
