import type { RateDecision, RateLimiter } from '../../../functions/core/abuse/ports.js';

/** The DynamoDB limiter's semantics in a Map, for unit tests. */
export class MemoryRateLimiter implements RateLimiter {
  readonly counts = new Map<string, number>();

  async hit(key: string, limit: number, windowSeconds: number, now: Date): Promise<RateDecision> {
    const nowS = Math.floor(now.getTime() / 1000);
    const windowStart = nowS - (nowS % windowSeconds);
    const item = `${key}#${windowStart}`;
    const hits = this.counts.get(item) ?? 0;
    if (hits >= limit)
      return { allowed: false, retryAfterSeconds: Math.max(1, windowStart + windowSeconds - nowS) };
    this.counts.set(item, hits + 1);
    return { allowed: true };
  }

  async exceeded(
    key: string,
    limit: number,
    windowSeconds: number,
    now: Date,
  ): Promise<RateDecision> {
    const nowS = Math.floor(now.getTime() / 1000);
    const windowStart = nowS - (nowS % windowSeconds);
    return (this.counts.get(`${key}#${windowStart}`) ?? 0) >= limit
      ? { allowed: false, retryAfterSeconds: Math.max(1, windowStart + windowSeconds - nowS) }
      : { allowed: true };
  }
}
