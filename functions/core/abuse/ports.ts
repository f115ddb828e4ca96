/**
 * Ports of the signup's abuse defences. The domain decides what to count and when to refuse; the
 * adapters only count (DynamoDB, memory), know disposable domains (a packaged list) or ask a
 * CAPTCHA provider.
 */

/** The outcome of one counted hit. */
export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/**
 * Fixed-window counters shared by every instance of the API (Lambda runs many at once, so an
 * in-process counter would hold nothing back).
 */
export interface RateLimiter {
  /**
   * Counts one hit on `key` in the window of `windowSeconds` that contains `now`, unless the
   * window already holds `limit` hits: then nothing is counted and the caller is told when the
   * window ends. Atomic across callers: no two callers can both take the last slot.
   */
  hit(key: string, limit: number, windowSeconds: number, now: Date): Promise<RateDecision>;
  /**
   * Whether the window that contains `now` already holds `limit` hits, counting nothing: a
   * client over its failures is refused before its next guess is even looked at.
   */
  exceeded(key: string, limit: number, windowSeconds: number, now: Date): Promise<RateDecision>;
}

/** Domains that hand out throwaway inboxes. */
export interface DisposableDomains {
  /** True when the (lower-case, ASCII) domain or one of its parent domains is on the list. */
  isDisposable(domain: string): Promise<boolean>;
}

/** A CAPTCHA provider's server-side check (Cloudflare Turnstile, hCaptcha). */
export interface CaptchaVerifier {
  /** True when the provider vouches for the token; rejects only when the provider cannot be asked. */
  verify(token: string, ip: string | undefined): Promise<boolean>;
}

/** Requests per hour; 0 turns a limit off (a bulk test on loopback, a load benchmark). */
export type SignupLimits = {
  perIpPerHour: number;
  perAddressPerHour: number;
};

/** Failures per 15 minutes before a client is refused (429); 0 turns a limit off. */
export type GuessLimits = {
  /** Wrong API keys (sign-in or the admin API), per client network and per key prefix. */
  keys: number;
  /** Bad link tokens (confirm, unsubscribe, preferences), per client network. */
  tokens: number;
};

export type AbuseDeps = {
  rateLimiter: RateLimiter;
  limits: SignupLimits;
  /** Absent: no limit on failed keys or tokens (unit tests). */
  guessLimits?: GuessLimits;
  disposableDomains?: DisposableDomains;
  /** Off unless configured: a signup then needs a token the provider vouches for. */
  captcha?: CaptchaVerifier;
  /**
   * The per-address counter's key: a keyed hash (config.ts gives the suppression list's HMAC),
   * so nobody who knows an address can find its counter, which outlives an erasure until TTL.
   * Absent (unit tests): the plain `hashOf`.
   */
  addressKey?: (email: string) => string;
};
