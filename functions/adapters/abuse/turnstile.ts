import { DomainError, ErrorCodes } from '../../core/errors.js';
import type { CaptchaVerifier } from '../../core/abuse/ports.js';

const SITEVERIFY_URL = 'https://challenges.cloudflare.com/turnstile/v0/siteverify';

/**
 * Cloudflare Turnstile's server-side check. Off unless `TURNSTILE_SECRET_KEY` is set. Never called
 * in tests (they use a fake of the port); `fetchImpl` exists for that and for a proxy.
 */
export class TurnstileVerifier implements CaptchaVerifier {
  constructor(
    private readonly secret: string,
    private readonly fetchImpl: typeof fetch = fetch,
    private readonly timeoutMs = 5_000,
  ) {}

  async verify(token: string, ip: string | undefined): Promise<boolean> {
    const body = new URLSearchParams({ secret: this.secret, response: token });
    if (ip) body.set('remoteip', ip);
    let response: Response;
    try {
      response = await this.fetchImpl(SITEVERIFY_URL, {
        method: 'POST',
        body,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      // Fail closed but retryable: without the provider's word we neither accept nor blame the reader.
      throw new DomainError(
        ErrorCodes.unavailable,
        'The anti-robot check is unavailable just now; please try again.',
        { reason: 'captcha_unreachable' },
        { cause: error },
      );
    }
    if (!response.ok)
      throw new DomainError(
        ErrorCodes.unavailable,
        'The anti-robot check is unavailable just now; please try again.',
        { reason: `captcha_http_${response.status}` },
      );
    const result = (await response.json().catch(() => ({}))) as { success?: unknown };
    return result.success === true;
  }
}
