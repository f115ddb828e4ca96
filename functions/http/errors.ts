import type { Context, ErrorHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { DomainError, type ErrorCode, ErrorCodes, type FieldIssue } from '../core/errors.js';
import type { Logger } from '../logger.js';
import { hashAddresses, redactPath } from './access-log.js';

/** Every code's status, in one place: a code added to `ErrorCodes` does not compile until it has one. */
export const statusOf: Record<ErrorCode, ContentfulStatusCode> = {
  [ErrorCodes.invalidInput]: 422,
  [ErrorCodes.invalidToken]: 400,
  [ErrorCodes.notFound]: 404,
  [ErrorCodes.unauthorized]: 401,
  [ErrorCodes.forbidden]: 403,
  [ErrorCodes.conflict]: 409,
  [ErrorCodes.unavailable]: 503,
  [ErrorCodes.rateLimited]: 429,
  [ErrorCodes.malformedRequest]: 400,
  [ErrorCodes.payloadTooLarge]: 413,
  [ErrorCodes.unsupportedMediaType]: 415,
  [ErrorCodes.internal]: 500,
};

/** The JSON envelope of every error the API answers. */
export type ErrorEnvelope = { error: { code: ErrorCode; message: string; issues?: FieldIssue[] } };

export const envelopeOf = (error: DomainError): ErrorEnvelope => ({
  error: { code: error.code, message: error.message, issues: error.details.issues },
});

/** A rejection of one part of the request (the body, its content type), named as a field would be. */
export const rejection = (code: ErrorCode, field: string, message: string, summary?: string) =>
  new DomainError(code, summary ?? `${field}: ${message}`, { issues: [{ field, message }] });

/** Renders an error as a page: public pages and the workspace each bring their own. */
export type ErrorPage = (
  c: Context,
  error: DomainError,
  status: ContentfulStatusCode,
) => Response | Promise<Response>;

/**
 * A throttled dependency says nothing of when it will have room; the SDK has already backed off
 * for about this long, so a client that waits as much again is likely to get through.
 */
const UNAVAILABLE_RETRY_AFTER_SECONDS = 2;

const retryAfterOf = (error: DomainError) =>
  error.details.retryAfterSeconds ??
  (error.code === ErrorCodes.unavailable ? UNAVAILABLE_RETRY_AFTER_SECONDS : undefined);

/** The error's status and Retry-After, its body as JSON or as the page given. */
export function errorResponse(c: Context, error: DomainError, page?: ErrorPage) {
  const status = statusOf[error.code];
  const retryAfter = retryAfterOf(error);
  if (retryAfter !== undefined) c.header('Retry-After', String(retryAfter));
  return page ? page(c, error, status) : c.json(envelopeOf(error), status);
}

/** Hono's own rejections (a validator's malformed body) as the domain's, when they are the client's. */
function fromHttpException(error: HTTPException): DomainError | undefined {
  if (error.res || error.status >= 500) return undefined;
  if (error.status === 415)
    return rejection(
      ErrorCodes.unsupportedMediaType,
      '(content-type)',
      error.message || 'must be application/json',
    );
  if (error.status === 413)
    return rejection(ErrorCodes.payloadTooLarge, '(body)', error.message || 'is too large');
  return rejection(ErrorCodes.malformedRequest, '(body)', error.message || 'is not acceptable');
}

export type ErrorHandlerOptions = {
  logger: Logger;
  /** Whether this request is the JSON API's (answered with the envelope) or a page's. */
  wantsJson: (c: Context) => boolean;
  page: ErrorPage;
};

/**
 * The app's one `onError`: domain errors get their status, unknown ones a logged 500 that says
 * nothing of them but the request id.
 */
export function handleErrors(options: ErrorHandlerOptions): ErrorHandler {
  return (error, c) => {
    const json = options.wantsJson(c);
    if (error instanceof HTTPException) {
      const known = json ? fromHttpException(error) : undefined;
      return known ? errorResponse(c, known) : error.getResponse();
    }
    if (error instanceof DomainError)
      return errorResponse(c, error, json ? undefined : options.page);
    options.logger.error('unhandled error', {
      requestId: c.get('requestId'),
      path: redactPath(c.req.path),
      error: hashAddresses(String(error)),
      stack: hashAddresses(String((error as Error).stack)),
    });
    const internal = new DomainError(
      ErrorCodes.internal,
      `Something went wrong on our side. Reference: ${c.get('requestId')}`,
    );
    return errorResponse(c, internal, json ? undefined : options.page);
  };
}
