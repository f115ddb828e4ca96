import { createHash } from 'node:crypto';

/**
 * Suppressions are keyed by a hash of the normalized address, so one can outlive the reader's
 * erasure (GDPR) without keeping the address itself.
 */
export const suppressionKeyOf = (normalizedEmail: string) =>
  createHash('sha256').update(`suppression:${normalizedEmail}`).digest('base64url');
