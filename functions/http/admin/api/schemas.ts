import { z } from '@hono/zod-openapi';
import { type ErrorCode, ErrorCodes } from '../../../core/errors.js';

/** The closed set of codes, as the error handler answers them (`http/errors.ts`). */
const codes = Object.values(ErrorCodes) as [ErrorCode, ...ErrorCode[]];

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.enum(codes),
      message: z.string(),
      issues: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
    }),
  })
  .openapi('Error');
export const IdParam = z.object({ id: z.string().openapi({ param: { name: 'id', in: 'path' } }) });
export const IdempotencyHeader = z.object({
  'idempotency-key': z.string().optional().openapi({
    description:
      'A retry with the same key and body returns the first answer; the same key with another body is a 409.',
  }),
});
export const errors = {
  401: {
    description: 'No valid API key',
    content: { 'application/json': { schema: ErrorSchema } },
  },
  403: {
    description: 'A viewer key cannot change anything',
    content: { 'application/json': { schema: ErrorSchema } },
  },
  404: { description: 'No such issue', content: { 'application/json': { schema: ErrorSchema } } },
  409: {
    description:
      'The issue is in a state that forbids this, or the Idempotency-Key was used differently',
    content: { 'application/json': { schema: ErrorSchema } },
  },
  422: {
    description: 'Invalid input, field by field',
    content: { 'application/json': { schema: ErrorSchema } },
  },
} as const;

/** A request or response body of JSON described by `schema`. */
export const json = <T>(schema: T) => ({ 'application/json': { schema } });
