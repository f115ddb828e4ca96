import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { RateDecision, RateLimiter } from '../../core/abuse/ports.js';
import { translateDynamoError } from './client.js';
import { conditionally } from './conditional-write.js';

/**
 * Fixed-window counters, one item per (key, window): `RATE#<key>#<window start>`. The window is
 * part of the key because dynalite (and DynamoDB Local) never sweep expired items, and even AWS's
 * TTL sweep lags by up to days: a counter must not depend on old items being gone. `expiresAt`
 * lets AWS delete them eventually, so the table does not grow with every window.
 *
 * One UpdateItem both counts and checks: `ADD hits :one` under `hits < :limit`. Concurrent
 * callers on any number of Lambda instances serialize on the item, so exactly `limit` succeed.
 */
export class DynamoRateLimiter implements RateLimiter {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async hit(key: string, limit: number, windowSeconds: number, now: Date): Promise<RateDecision> {
    const { nowS, windowStart, windowEnd } = windowOf(windowSeconds, now);
    const counted = await conditionally(
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { PK: `RATE#${key}#${windowStart}`, SK: 'RATE' },
          UpdateExpression: 'ADD hits :one SET expiresAt = :expiresAt, entity = :entity',
          ConditionExpression: 'attribute_not_exists(hits) OR hits < :limit',
          // Kept one window past its end: harmless, and clock skew between instances cannot revive it.
          ExpressionAttributeValues: {
            ':one': 1,
            ':limit': limit,
            ':expiresAt': windowEnd + windowSeconds,
            ':entity': 'rate-limit',
          },
        }),
      ),
    );
    return counted
      ? { allowed: true }
      : { allowed: false, retryAfterSeconds: Math.max(1, windowEnd - nowS) };
  }

  async exceeded(
    key: string,
    limit: number,
    windowSeconds: number,
    now: Date,
  ): Promise<RateDecision> {
    const { nowS, windowStart, windowEnd } = windowOf(windowSeconds, now);
    const { Item } = await this.client
      .send(
        new GetCommand({
          TableName: this.tableName,
          Key: { PK: `RATE#${key}#${windowStart}`, SK: 'RATE' },
          ConsistentRead: true,
        }),
      )
      .catch(translateDynamoError);
    return ((Item?.hits as number | undefined) ?? 0) >= limit
      ? { allowed: false, retryAfterSeconds: Math.max(1, windowEnd - nowS) }
      : { allowed: true };
  }
}

function windowOf(windowSeconds: number, now: Date) {
  const nowS = Math.floor(now.getTime() / 1000);
  const windowStart = nowS - (nowS % windowSeconds);
  return { nowS, windowStart, windowEnd: windowStart + windowSeconds };
}
