import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { requireRole } from '../../../core/access/api-keys.js';
import { DomainError, ErrorCodes } from '../../../core/errors.js';
import {
  createImport,
  importDeps,
  importNow,
  importStatus,
  importView,
  startImport,
} from '../../../core/subscribers/import-jobs.js';
import type { AdminDeps } from '../deps.js';
import { apiApp } from './context.js';
import { errors, IdParam, json } from './schemas.js';

const Line = z.object({ line: z.number() });
const ImportSchema = z
  .object({
    id: z.string(),
    state: z.enum(['awaiting-upload', 'queued', 'running', 'done', 'failed']),
    size: z.number().optional().openapi({ description: 'Bytes, once uploaded' }),
    bytesRead: z.number().openapi({ description: 'Progress: bytes of the file imported so far' }),
    report: z.object({
      imported: z.number().openapi({ description: 'Added as confirmed (consent stated)' }),
      confirmationsQueued: z
        .number()
        .openapi({ description: 'Added as pending, mailed a confirmation' }),
      skipped: z.array(Line.extend({ email: z.string(), reason: z.string() })),
      skippedTotal: z
        .number()
        .openapi({ description: 'All skipped rows; the list holds the first 500' }),
      errors: z.array(
        Line.extend({ issues: z.array(z.object({ field: z.string(), message: z.string() })) }),
      ),
      errorsTotal: z
        .number()
        .openapi({ description: 'All rows with errors; the list holds the first 500' }),
    }),
    failure: z.string().optional().openapi({ description: 'Why the file as a whole was refused' }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Import');

/**
 * Imports from files: create one (an upload URL), PUT the file there, start it; a runner imports
 * it in pages. A small file may be POSTed as text/csv instead, and answers with its report.
 */
export function importsApi(deps: AdminDeps) {
  const api = apiApp();
  api.openapi(
    createRoute({
      method: 'post',
      path: '/imports',
      summary:
        'Start an import: JSON (or no body) answers an upload URL to PUT the CSV to; a text/csv body under 4 MB is imported at once',
      security: [{ bearer: [] }],
      responses: {
        200: { description: 'The text/csv body, imported', content: json(ImportSchema) },
        201: {
          description:
            'PUT the file (Content-Type: text/csv) to uploadUrl within the hour, then start it',
          content: json(
            z.object({
              id: z.string(),
              state: z.literal('awaiting-upload'),
              uploadUrl: z.string(),
              expiresInSeconds: z.number(),
            }),
          ),
        },
        202: {
          description: 'The text/csv body, being imported: GET it for progress',
          content: json(ImportSchema),
        },
        ...errors,
      },
    }),
    async (c) => {
      requireRole(c.get('apiKey'), 'editor');
      if (isCsv(c)) return answer(c, await importNow(importDeps(deps), await csvBody(c)));
      const created = await createImport(importDeps(deps));
      return c.json({ ...created, state: 'awaiting-upload' as const }, 201);
    },
  );
  api.openapi(
    createRoute({
      method: 'post',
      path: '/imports/{id}/start',
      summary: 'The file is uploaded: queue the import (again changes nothing)',
      security: [{ bearer: [] }],
      request: { params: IdParam },
      responses: { 202: { description: 'Queued', content: json(ImportSchema) }, ...errors },
    }),
    async (c) => {
      requireRole(c.get('apiKey'), 'editor');
      return c.json(
        importView(await startImport(importDeps(deps), c.req.valid('param').id)) as never,
        202,
      );
    },
  );
  api.openapi(
    createRoute({
      method: 'get',
      path: '/imports/{id}',
      summary: "An import's state, progress and report",
      security: [{ bearer: [] }],
      request: { params: IdParam },
      responses: {
        200: { description: 'The import', content: json(ImportSchema) },
        401: errors[401],
        404: errors[404],
      },
    }),
    async (c) =>
      c.json(
        importView(await importStatus(importDeps(deps), c.req.valid('param').id)) as never,
        200,
      ),
  );
  // The route before imports had a URL of its own: its report stays at the top level.
  api.post('/subscribers/import', async (c) => {
    requireRole(c.get('apiKey'), 'editor');
    if (!isCsv(c)) throw notCsv();
    const view = importView(await importNow(importDeps(deps), await csvBody(c)));
    return c.json({ ...view, ...view.report }, view.state === 'done' ? 200 : 202);
  });
  return api;
}

const isCsv = (c: Context) => c.req.header('content-type')?.startsWith('text/csv') ?? false;
const csvBody = async (c: Context) => new Uint8Array(await c.req.arrayBuffer());
const notCsv = () =>
  new DomainError(ErrorCodes.invalidInput, 'Send the file as text/csv.', {
    issues: [{ field: '(body)', message: 'must be text/csv' }],
  });

function answer(c: Context, job: Parameters<typeof importView>[0]) {
  return c.json(importView(job) as never, job.state === 'done' ? 200 : 202);
}
