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

/** One edit of an issue before it started: who, when, each field from what to what. */
const FieldValueSchema = z.union([z.string(), z.array(z.string())]).optional();
export const IssueEditSchema = z
  .object({
    by: z.string().openapi({ description: "The editor: the API key's name" }),
    at: z.string(),
    changes: z.array(
      z.object({
        field: z.enum(['article', 'subject', 'editorNote', 'topics', 'frequencies']),
        from: FieldValueSchema.openapi({ description: 'Absent: there was none (a note)' }),
        to: FieldValueSchema.openapi({ description: 'Absent: removed (a note)' }),
      }),
    ),
  })
  .openapi('IssueEdit');

/** A request or response body of JSON described by `schema`. */
export const json = <T>(schema: T) => ({ 'application/json': { schema } });

/** A CSV export (a background job): its progress, and a fresh signed link once it is done. */
export const ExportSchema = z
  .object({
    id: z.string(),
    state: z.enum(['queued', 'running', 'done', 'failed']),
    rows: z.number().int().describe('Readers written so far'),
    estimatedRows: z
      .number()
      .int()
      .optional()
      .describe("The dashboard counters' total when the export began: an estimate"),
    createdAt: z.string(),
    finishedAt: z.string().optional(),
    error: z.string().optional().describe("The last step's error (retrying, or why it failed)"),
    download: z
      .object({
        url: z.url().describe('A presigned GET of the file; minted on each read of the export'),
        expiresAt: z.string(),
        filename: z.string(),
        bytes: z.number().int(),
      })
      .optional(),
    fileGone: z
      .boolean()
      .optional()
      .describe('Done, but the file has been deleted (exports are kept 7 days)'),
  })
  .openapi('Export');
