import { describe, expect, it } from 'vitest';
import { normalizeEmail } from '../../functions/core/email-address.js';

describe('normalizeEmail', () => {
  it('trims and lower-cases, so one mailbox is one subscriber', () => {
    expect(normalizeEmail('  Jane.Doe@Example.COM ')).toEqual({
      ok: true,
      email: 'jane.doe@example.com',
    });
  });

  it('turns an international domain into punycode, as mail servers see it', () => {
    expect(normalizeEmail('ana@bücher.de')).toEqual({ ok: true, email: 'ana@xn--bcher-kva.de' });
  });

  it.each([
    ['plainaddress', /name@example.com/],
    ['a@b', /domain/],
    ['a b@example.com', /characters/],
    ['ok@example.com\r\nBcc: victim@example.com', /line breaks/],
    ['nul\0@example.com', /line breaks or NUL/],
    [`${'x'.repeat(65)}@example.com`, /longer than 64/],
    [
      `${'a'.repeat(60)}@${'d'.repeat(60)}.${'e'.repeat(60)}.${'f'.repeat(60)}.${'g'.repeat(60)}.com`,
      /longer than 254/,
    ],
    ['a@-bad-.com', /domain/],
    ['a@1.2.3.4', /domain/],
  ])('rejects %j with a reason', (input, reason) => {
    const result = normalizeEmail(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(reason);
  });
});
