import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { AbuseDeps } from '../abuse/ports.js';
import type { Logger } from '../../logger.js';
import type { ApiKeyRecord, ApiKeyRepository } from './api-keys.js';
import { authenticateRequest } from './key-guard.js';

/** A signed-in editor's session. Stored by the hash of its id: the table never holds a live cookie. */
export type Session = {
  idHash: string;
  keyHash: string;
  csrf: string;
  createdAt: string;
  expiresAt: string;
};

export interface SessionRepository {
  create(session: Session): Promise<void>;
  get(idHash: string): Promise<Session | undefined>;
  delete(idHash: string): Promise<void>;
}

export type SessionDeps = { apiKeys: ApiKeyRepository; sessions: SessionRepository; clock: Clock };

export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
const hash = (value: string) => createHash('sha256').update(value).digest('base64url');

/**
 * Signs in with an API key. Every sign-in makes a new session id (no fixation) and a new CSRF
 * token; the key is checked again on every request, so revoking it ends its sessions too.
 */
export async function signIn(
  deps: SessionDeps & { abuse?: AbuseDeps | undefined },
  presentedKey: string | undefined,
  request: { ip: string | undefined; logger?: Logger | undefined } = { ip: undefined },
) {
  const key = await authenticateRequest(deps, presentedKey, { ...request, where: 'sign-in' });
  const id = randomBytes(32).toString('base64url');
  const now = deps.clock.now();
  const session: Session = {
    idHash: hash(id),
    keyHash: key.hash,
    csrf: randomBytes(24).toString('base64url'),
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + SESSION_TTL_MS).toISOString(),
  };
  await deps.sessions.create(session);
  return { cookie: id, session, key };
}

/** The session and its key behind a cookie, or undefined (expired, signed out, key revoked). */
export async function currentSession(
  deps: SessionDeps,
  cookie: string | undefined,
): Promise<{ session: Session; key: ApiKeyRecord } | undefined> {
  if (!cookie || cookie.length > 100) return undefined;
  const session = await deps.sessions.get(hash(cookie));
  if (!session || Date.parse(session.expiresAt) <= deps.clock.now().getTime()) return undefined;
  const key = await deps.apiKeys.get(session.keyHash);
  if (!key || key.revokedAt) return undefined;
  return { session, key };
}

export async function signOut(deps: SessionDeps, cookie: string | undefined) {
  if (cookie) await deps.sessions.delete(hash(cookie));
}

/** Compares a form's CSRF token with the session's in constant time. */
export function csrfMatches(session: Session, presented: unknown): boolean {
  if (typeof presented !== 'string') return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(session.csrf);
  return a.length === b.length && timingSafeEqual(a, b);
}
