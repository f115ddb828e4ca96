import { isTransientNetworkError } from './signed-post.js';

// The SDK's standard retry strategy's classification and backoff (@smithy/core's retry module),
// for the calls the lean clients make themselves.
const THROTTLING = new Set([
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'LimitExceededException',
  'TransactionInProgressException',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
]);
const TRANSIENT_NAMES = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);

type AwsError = Error & { $metadata?: { httpStatusCode?: number } };

export const isThrottling = (error: AwsError) =>
  error.$metadata?.httpStatusCode === 429 || THROTTLING.has(error.name);

/** What the SDK would try again: throttling, a 5xx, a timeout or a dropped connection. */
export const isRetryable = (error: AwsError) =>
  isThrottling(error) ||
  TRANSIENT_NAMES.has(error.name) ||
  isTransientNetworkError(error) ||
  (error.$metadata?.httpStatusCode ?? 0) >= 500;

/** Full jitter under 100 ms × 2^n (500 ms × 2^n when throttled), at most 20 s, as the SDK waits. */
export const backoffMs = (error: AwsError, retry: number) =>
  Math.floor(Math.random() * Math.min((isThrottling(error) ? 500 : 100) * 2 ** retry, 20_000));
