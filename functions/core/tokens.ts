import { createHmac, timingSafeEqual } from 'node:crypto';
import { DomainError, ErrorCodes } from './errors.js';

/**
 * What a signed token may be used for. A token signed for one purpose never verifies for another,
 * so an unsubscribe link cannot confirm an address and a confirmation link cannot unsubscribe.
 */
export const TokenPurposes = {
  confirm: 'confirm',
  unsubscribe: 'unsubscribe',
  preferences: 'preferences',
} as const;
export type TokenPurpose = (typeof TokenPurposes)[keyof typeof TokenPurposes];

type Payload = { p: TokenPurpose; s: string; e?: number };

export type VerifiedToken = { subscriberId: string; expired: boolean };

const b64 = (data: Buffer | string) => Buffer.from(data).toString('base64url');

/**
 * HMAC-SHA256 signed, purpose-bound tokens: `base64url(payload).base64url(mac)`.
 * The payload carries only the subscriber's opaque id, never the address, since links end up in
 * logs and browser histories. The purpose is inside the MAC, and the MAC key is derived per purpose.
 */
export class TokenSigner {
  /** Derived once per purpose: a send signs two tokens per recipient. */
  private readonly keys = new Map<TokenPurpose, Buffer>();

  constructor(private readonly secret: string) {
    if (secret.length < 32) throw new Error('signing secret must be at least 32 characters');
  }

  sign(purpose: TokenPurpose, subscriberId: string, expiresAt?: Date): string {
    const payload: Payload = { p: purpose, s: subscriberId };
    if (expiresAt) payload.e = Math.floor(expiresAt.getTime() / 1000);
    const body = b64(JSON.stringify(payload));
    return `${body}.${b64(this.mac(purpose, body))}`;
  }

  /**
   * Checks signature and purpose. An expired but authentic token is reported as such rather than
   * thrown, so a page can offer to send a fresh link to the same reader.
   */
  verify(purpose: TokenPurpose, token: string, now: Date): VerifiedToken {
    const [body, mac, extra] = token.split('.');
    if (!body || !mac || extra !== undefined || token.length > 1024) throw invalid('malformed');
    // The signature is compared as the signer spells it, not as decoded: base64url decoding
    // ignores padding, stray characters and a last character's spare bits, so `…==`, `…!!` or a
    // changed last letter would verify. One token has one spelling; any other is tampered.
    const expected = Buffer.from(b64(this.mac(purpose, body)));
    const given = Buffer.from(mac);
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      throw invalid('bad signature');
    let payload: Payload;
    try {
      payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Payload;
    } catch (cause) {
      throw invalid('unreadable payload', cause);
    }
    if (payload.p !== purpose || typeof payload.s !== 'string') throw invalid('wrong purpose');
    const expired = payload.e !== undefined && payload.e * 1000 <= now.getTime();
    return { subscriberId: payload.s, expired };
  }

  private mac(purpose: TokenPurpose, body: string): Buffer {
    let key = this.keys.get(purpose);
    if (!key)
      this.keys.set(
        purpose,
        (key = createHmac('sha256', this.secret).update(`token-key:${purpose}`).digest()),
      );
    return createHmac('sha256', key).update(`${purpose}.${body}`).digest();
  }
}

const invalid = (reason: string, cause?: unknown) =>
  new DomainError(ErrorCodes.invalidToken, 'This link is not valid.', { reason }, { cause });
