/**
 * The one error type of the domain. Its codes are a closed set, every code that reaches the wire
 * among them; the HTTP layer maps each code to a status in one place (`http/errors.ts`), so the
 * domain never thinks in status codes.
 */
export const ErrorCodes = {
  /** Input failed validation; `issues` lists each field and why. */
  invalidInput: 'invalid_input',
  /** A signed token was malformed, tampered with, expired or meant for another purpose. */
  invalidToken: 'invalid_token',
  notFound: 'not_found',
  /** No valid credentials: a missing, wrong or revoked key. */
  unauthorized: 'unauthorized',
  /** Valid credentials without the right to do this. */
  forbidden: 'forbidden',
  /** A conditional write lost a race or the state forbids the transition. */
  conflict: 'conflict',
  /** A dependency (DynamoDB, SES) is unavailable or throttling; the caller may retry. */
  unavailable: 'unavailable',
  /** The caller went over a rate limit; `retryAfterSeconds` says when to try again. */
  rateLimited: 'rate_limited',
  /** The body could not be read at all (broken JSON): nothing to validate field by field. */
  malformedRequest: 'malformed_request',
  /** The body is over the size limit. */
  payloadTooLarge: 'payload_too_large',
  /** The body is in a format the endpoint does not take. */
  unsupportedMediaType: 'unsupported_media_type',
  /** An unexpected failure on our side; the message carries only a request id. */
  internal: 'internal',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

export type FieldIssue = { field: string; message: string };

export class DomainError extends Error {
  override readonly name = 'DomainError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: { issues?: FieldIssue[]; reason?: string; retryAfterSeconds?: number } = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export const invalidInput = (issues: FieldIssue[]) =>
  new DomainError(
    ErrorCodes.invalidInput,
    issues.map((i) => `${i.field}: ${i.message}`).join('; '),
    { issues },
  );
