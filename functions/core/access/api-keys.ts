import { createHash, randomBytes } from 'node:crypto';
import * as z from 'zod';
import type { Clock } from '../clock.js';
import { DomainError, ErrorCodes } from '../errors.js';
import { emailField, parseInput } from '../subscribers/input.js';

export const Roles = { editor: 'editor', viewer: 'viewer' } as const;
export type Role = (typeof Roles)[keyof typeof Roles];

/** What is stored of a key: never the key itself, only its hash. */
export type ApiKeyRecord = {
  hash: string;
  /** The first characters, so an editor can tell keys apart in a list. */
  prefix: string;
  name: string;
  /**
   * The holder's own address: where their test sends may go. Absent on keys made before keys
   * carried one; those keep working, but cannot test-send until a new key replaces them.
   */
  email?: string;
  role: Role;
  createdAt: string;
  lastUsedAt?: string;
  revokedAt?: string;
};

export interface ApiKeyRepository {
  create(record: ApiKeyRecord): Promise<void>;
  get(hash: string): Promise<ApiKeyRecord | undefined>;
  list(): Promise<ApiKeyRecord[]>;
  revoke(prefix: string, at: Date): Promise<boolean>;
  touch(hash: string, at: Date): Promise<void>;
}

export type AccessDeps = { apiKeys: ApiKeyRepository; clock: Clock };

const KEY_PREFIX = 'dsp_';
/** Keys carry 256 random bits, so a plain SHA-256 is enough: there is nothing to brute-force. */
export const hashKey = (key: string) => createHash('sha256').update(key).digest('base64url');

const createSchema = z.object({
  name: z.string().trim().min(1, 'is required').max(80),
  email: emailField(),
  role: z.enum([Roles.editor, Roles.viewer], { message: 'must be editor or viewer' }),
});

/** A new key: returned once, stored only as a hash. */
export async function createApiKey(
  deps: AccessDeps,
  input: unknown,
): Promise<{ key: string; record: ApiKeyRecord }> {
  const { name, email, role } = parseInput(createSchema, input);
  const key = `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
  const record: ApiKeyRecord = {
    hash: hashKey(key),
    prefix: key.slice(0, 12),
    name,
    email,
    role,
    createdAt: deps.clock.now().toISOString(),
  };
  await deps.apiKeys.create(record);
  return { key, record };
}

/** Who holds a key: a name, and the address their test sends go to. */
export type Editor = { name: string; email: string; role: Role };

/**
 * The holders of the active keys that carry an address, by name: the only addresses a test send
 * may go to. One Query of the keys' small partition.
 */
export async function editorsOf(deps: Pick<AccessDeps, 'apiKeys'>): Promise<Editor[]> {
  const editors = new Map<string, Editor>();
  for (const k of await deps.apiKeys.list())
    if (k.email && !k.revokedAt)
      editors.set(k.email, { name: k.name, email: k.email, role: k.role });
  return [...editors.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** Touching a key's last-used time at most this often keeps a busy key from writing on every request. */
const TOUCH_EVERY_MS = 60_000;

/**
 * The key's record if the presented key is valid and not revoked; otherwise an `unauthorized`
 * error that says nothing about why (a wrong key and a revoked one look the same).
 */
export async function authenticate(
  deps: AccessDeps,
  presented: string | undefined,
): Promise<ApiKeyRecord> {
  if (!presented?.startsWith(KEY_PREFIX) || presented.length > 200) throw unauthorized();
  const record = await deps.apiKeys.get(hashKey(presented));
  if (!record || record.revokedAt) throw unauthorized();
  const now = deps.clock.now();
  if (!record.lastUsedAt || now.getTime() - Date.parse(record.lastUsedAt) > TOUCH_EVERY_MS)
    await deps.apiKeys.touch(record.hash, now);
  return record;
}

export function requireRole(record: ApiKeyRecord, role: Role) {
  if (role === Roles.editor && record.role !== Roles.editor) {
    throw new DomainError(
      ErrorCodes.forbidden,
      'This key may only look; sending and changing need an editor key.',
    );
  }
}

const unauthorized = () =>
  new DomainError(
    ErrorCodes.unauthorized,
    'A valid API key is required (Authorization: Bearer <key>).',
  );
