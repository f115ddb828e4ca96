import { createHash, createHmac } from 'node:crypto';

/**
 * Suppressions are keyed by a keyed hash of the normalized address, so one can outlive the
 * reader's erasure (GDPR art. 17) without keeping the address, and nobody who reads the table
 * but lacks `SUPPRESSION_SECRET` can tell whether an address they know is on it. The secret is
 * not the link-signing key: rotating one never touches the other.
 *
 * Keys are versioned (`k2.<hmac>`): a new secret writes under a new version while the old ones
 * stay for lookup only, so a rotation never lets a suppressed address back in. The unkeyed
 * `sha256` keys of releases before this scheme are always looked up too: an upgrade must never
 * mail an address that bounced. New suppressions are never written under them, and erasing a
 * reader replaces theirs (see `DynamoSuppressionList.suppress`).
 */
export class SuppressionKeys {
  private readonly older: ((email: string) => string)[];

  constructor(
    private readonly secret: string,
    private readonly version = 1,
    oldSecrets: readonly OldSecret[] = [],
  ) {
    this.older = [
      ...oldSecrets
        .filter((old) => old.version !== version)
        .map((old) => (email: string) => hmacKey(old.secret, old.version, email)),
      legacyKeyOf,
    ];
  }

  /** The key a suppression is written under. */
  current(normalizedEmail: string): string {
    return hmacKey(this.secret, this.version, normalizedEmail);
  }

  /** Every key this address may have been written under, the current one first. */
  all(normalizedEmail: string): string[] {
    return [this.current(normalizedEmail), ...this.older.map((key) => key(normalizedEmail))];
  }

  /** The keys of versions no longer written: what an erasure or a removal deletes besides. */
  superseded(normalizedEmail: string): string[] {
    return this.all(normalizedEmail).slice(1);
  }
}

export type OldSecret = { version: number; secret: string };

const hmacKey = (secret: string, version: number, email: string) =>
  `k${version}.${createHmac('sha256', secret).update(`suppression:${email}`).digest('base64url')}`;

/** The unkeyed hash of releases before keyed suppressions. */
const legacyKeyOf = (email: string) =>
  createHash('sha256').update(`suppression:${email}`).digest('base64url');

/** `SUPPRESSION_OLD_SECRETS`: comma-separated `<version>:<secret>` pairs of retired secrets. */
export function parseOldSecrets(value: string | undefined): OldSecret[] {
  if (!value?.trim()) return [];
  return value.split(',').map((part) => {
    const match = /^(\d+):(.{32,})$/.exec(part.trim());
    if (!match) throw new Error('each entry must be <version>:<secret of at least 32 characters>');
    return { version: Number(match[1]), secret: match[2]! };
  });
}
