import { countFailure, refuseGuesser } from '../abuse/guessing.js';
import type { AbuseDeps } from '../abuse/ports.js';
import { DomainError, ErrorCodes } from '../errors.js';
import type { Logger } from '../../logger.js';
import { type AccessDeps, authenticate } from './api-keys.js';

/**
 * `authenticate`, for a request: a client over its failed keys (per network, per key prefix) is
 * refused (429) before its key is looked at, and a wrong key counts against it and is logged,
 * by its prefix only (the part `keys list` shows), never the key.
 */
export async function authenticateRequest(
  deps: AccessDeps & { abuse?: AbuseDeps | undefined },
  presented: string | undefined,
  request: { ip: string | undefined; where: 'sign-in' | 'api'; logger?: Logger | undefined },
) {
  const keyPrefix = presented?.slice(0, 12);
  const from = { ip: request.ip, keyPrefix };
  await refuseGuesser(deps, 'key', from);
  try {
    return await authenticate(deps, presented);
  } catch (error) {
    if (error instanceof DomainError && error.code === ErrorCodes.unauthorized) {
      request.logger?.warn('key_refused', { where: request.where, keyPrefix: keyPrefix ?? null });
      await countFailure(deps, 'key', from);
    }
    throw error;
  }
}
