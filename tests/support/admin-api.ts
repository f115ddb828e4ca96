import type { createAdminApp } from '../../functions/http/admin/admin-app.js';

/**
 * An admin API request as a client makes it: GET without a body, POST (or `method`) with a JSON
 * one, the key as a bearer token when given. `app` is read at each call, so a suite can build it
 * in `beforeAll`.
 */
export const adminApi =
  (app: () => ReturnType<typeof createAdminApp>) =>
  (path: string, key: string | undefined, body?: unknown, method?: 'PATCH' | 'PUT' | 'DELETE') =>
    app().request(`/api/admin${path}`, {
      method: method ?? (body === undefined ? 'GET' : 'POST'),
      headers: {
        ...(key ? { authorization: `Bearer ${key}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
