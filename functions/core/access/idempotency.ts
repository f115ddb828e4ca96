import { createHash } from 'node:crypto';
import type { Clock } from '../clock.js';
import { DomainError, ErrorCodes } from '../errors.js';

/**
 * `reader`: the subscriber the answer names or was about, so their erasure finds and deletes the
 * record (which otherwise lives a day) with the rest of their trail.
 */
export type StoredResponse = { status: number; body: unknown; reader?: string };
export type IdempotencyRecord = { bodyHash: string; response?: StoredResponse };

export interface IdempotencyStore {
  /** Records the key unless it exists; returns the existing record otherwise. */
  claim(
    scope: string,
    key: string,
    bodyHash: string,
    at: Date,
  ): Promise<'claimed' | IdempotencyRecord>;
  complete(scope: string, key: string, response: StoredResponse): Promise<void>;
  release(scope: string, key: string): Promise<void>;
}

export const bodyHashOf = (method: string, path: string, body: string) =>
  createHash('sha256').update(`${method} ${path}\n${body}`).digest('base64url');

/**
 * Runs a creating or sending request once per Idempotency-Key (per API key): a retry with the same
 * key and body gets the first answer; the same key with another body is a 409; a retry while the
 * first is still running is a 409 too (the client retries later). A failed first attempt frees the key.
 */
export async function once(
  deps: { idempotency: IdempotencyStore; clock: Clock },
  scope: string,
  key: string,
  bodyHash: string,
  run: () => Promise<StoredResponse>,
): Promise<StoredResponse & { replayed: boolean }> {
  if (!/^[\x21-\x7e]{1,255}$/.test(key)) {
    throw new DomainError(
      ErrorCodes.invalidInput,
      'Idempotency-Key must be 1 to 255 visible ASCII characters.',
      {
        issues: [
          { field: 'Idempotency-Key', message: 'must be 1 to 255 visible ASCII characters' },
        ],
      },
    );
  }
  const claim = await deps.idempotency.claim(scope, key, bodyHash, deps.clock.now());
  if (claim !== 'claimed') {
    if (claim.bodyHash !== bodyHash)
      throw new DomainError(
        ErrorCodes.conflict,
        'This Idempotency-Key was used with another request.',
      );
    if (!claim.response)
      throw new DomainError(
        ErrorCodes.conflict,
        'A request with this Idempotency-Key is still being handled; retry shortly.',
      );
    return { ...claim.response, replayed: true };
  }
  try {
    const response = await run();
    await deps.idempotency.complete(scope, key, response);
    return { ...response, replayed: false };
  } catch (error) {
    await deps.idempotency.release(scope, key);
    throw error;
  }
}
