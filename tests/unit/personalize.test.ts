import { describe, expect, it } from 'vitest';
import { preparePersonalization } from '../../functions/core/email/personalize.js';

describe('per-recipient personalization', () => {
  const personalize = preparePersonalization({
    html: '<a href="%%unsubscribe_url%%">Unsubscribe</a> %%email%%',
    text: 'Unsubscribe: %%unsubscribe_url%% (%%email%%)',
  });

  it('fills every placeholder, escaping for HTML and not for text', () => {
    const out = personalize({
      unsubscribe_url: 'https://x.test/u/a.b?c=1&d=2',
      email: '"o\'neil"<x>@example.com',
    });
    expect(out.html).toBe(
      '<a href="https://x.test/u/a.b?c=1&#38;d=2">Unsubscribe</a> &#34;o&#39;neil&#34;&#60;x&#62;@example.com',
    );
    expect(out.text).toBe('Unsubscribe: https://x.test/u/a.b?c=1&d=2 ("o\'neil"<x>@example.com)');
  });

  it('refuses to leave a placeholder empty: no email goes out without its unsubscribe link', () => {
    expect(() => personalize({ email: 'a@example.com' })).toThrow(/unsubscribe_url/);
  });

  it('does not re-expand placeholders that arrive inside values', () => {
    const out = personalize({ unsubscribe_url: 'u', email: '%%unsubscribe_url%%' });
    expect(out.text).toBe('Unsubscribe: u (%%unsubscribe_url%%)');
  });
});
