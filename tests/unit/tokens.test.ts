import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../functions/core/errors.js';
import { TokenSigner } from '../../functions/core/tokens.js';
import { TEST_SECRET } from '../support/builders.js';

const signer = new TokenSigner(TEST_SECRET);
const now = new Date('2026-11-28T09:00:00Z');

describe('signed tokens', () => {
  it('verify for their own purpose and carry the subscriber id, not the address', () => {
    const token = signer.sign('unsubscribe', 'sub-123');
    expect(signer.verify('unsubscribe', token, now)).toEqual({
      subscriberId: 'sub-123',
      expired: false,
    });
    expect(Buffer.from(token.split('.')[0]!, 'base64url').toString()).not.toContain('@');
  });

  it('never verify for another purpose: an unsubscribe link cannot confirm, a confirm link cannot unsubscribe', () => {
    const unsubscribe = signer.sign('unsubscribe', 'sub-123');
    const confirm = signer.sign('confirm', 'sub-123', new Date(now.getTime() + 1000));
    expect(() => signer.verify('confirm', unsubscribe, now)).toThrow(DomainError);
    expect(() => signer.verify('unsubscribe', confirm, now)).toThrow(DomainError);
    expect(() => signer.verify('preferences', unsubscribe, now)).toThrow(DomainError);
  });

  it('reject a changed payload, a changed signature and a token from another secret', () => {
    const token = signer.sign('preferences', 'sub-123');
    const [body, mac] = token.split('.') as [string, string];
    const forgedBody = Buffer.from(JSON.stringify({ p: 'preferences', s: 'sub-999' })).toString(
      'base64url',
    );
    expect(() => signer.verify('preferences', `${forgedBody}.${mac}`, now)).toThrow(/not valid/);
    expect(() => signer.verify('preferences', `${body}.${mac.slice(0, -2)}AA`, now)).toThrow(
      /not valid/,
    );
    const other = new TokenSigner(`${TEST_SECRET}-other`).sign('preferences', 'sub-123');
    expect(() => signer.verify('preferences', other, now)).toThrow(/not valid/);
    for (const junk of ['', '.', 'abc', 'a.b.c', '%%%.%%%'])
      expect(() => signer.verify('preferences', junk, now)).toThrow(DomainError);
  });

  it('have one spelling: padding, stray characters or a last letter’s spare bits are tampering', () => {
    const token = signer.sign('unsubscribe', 'sub-123');
    const last = token.at(-1)!;
    // A SHA-256 MAC is 43 base64url letters: the last carries 4 bits and 2 spare ones.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const spare = alphabet[alphabet.indexOf(last) ^ 1]!;
    for (const other of [
      `${token}==`,
      `${token}!!`,
      `${token.slice(0, 20)} ${token.slice(20)}`,
      `${token.slice(0, -1)}${spare}`,
      `${token.slice(0, -5)}%20${token.slice(-5)}`,
    ])
      expect(() => signer.verify('unsubscribe', other, now), other).toThrow(
        'This link is not valid.',
      );
  });

  it('refuse every change to a token, anywhere in it (property)', () => {
    const token = signer.sign('preferences', 'sub-123');
    fc.assert(
      fc.property(
        fc.nat({ max: token.length }),
        fc.nat({ max: 3 }),
        fc.string({ maxLength: 3 }),
        (at, cut, insert) => {
          const changed = token.slice(0, at) + insert + token.slice(at + cut);
          fc.pre(changed !== token);
          expect(() => signer.verify('preferences', changed, now)).toThrow(DomainError);
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('report expiry instead of failing, so a page can offer a new link', () => {
    const token = signer.sign('confirm', 'sub-123', new Date(now.getTime() + 48 * 3600_000));
    expect(signer.verify('confirm', token, new Date(now.getTime() + 47 * 3600_000)).expired).toBe(
      false,
    );
    expect(signer.verify('confirm', token, new Date(now.getTime() + 48 * 3600_000)).expired).toBe(
      true,
    );
  });

  it('refuse a short secret', () => {
    expect(() => new TokenSigner('short')).toThrow(/at least 32/);
  });
});
