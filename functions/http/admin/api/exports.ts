import { randomUUID } from 'node:crypto';
import { createRoute, z } from '@hono/zod-openapi';
import { requireRole } from '../../../core/access/api-keys.js';
import { DomainError, ErrorCodes } from '../../../core/errors.js';
import { EXPORT_KIND, startExport, viewExport } from '../../../core/subscribers/export-job.js';
import type { AdminDeps } from '../deps.js';
import { apiApp } from './context.js';
import { ExportSchema, errors, json } from './schemas.js';

/** CSV exports as background jobs: create one (202), then read it until its link is there. */
export function exportsApi(deps: AdminDeps) {
  const api = apiApp();
  api.openapi(
    createRoute({
      method: 'post',
      path: '/exports',
      summary: 'Start a CSV export of every subscriber; it runs in the background',
      security: [{ bearer: [] }],
      responses: {
        202: {
          description: 'The export, queued',
          content: json(z.object({ export: ExportSchema })),
        },
        401: errors[401],
        403: errors[403],
      },
    }),
    async (c) => {
      requireRole(c.get('apiKey'), 'editor');
      const job = await startExport(deps, c.get('apiKey').name, randomUUID());
      c.header('location', `/api/admin/exports/${job.id}`);
      return c.json({ export: await viewExport(deps, job) }, 202);
    },
  );
  api.openapi(
    createRoute({
      method: 'get',
      path: '/exports/{id}',
      summary: 'An export: state, rows so far, and when done a download link valid 15 minutes',
      security: [{ bearer: [] }],
      request: { params: z.object({ id: z.string().uuid() }) },
      responses: {
        200: { description: 'The export', content: json(z.object({ export: ExportSchema })) },
        401: errors[401],
        404: errors[404],
      },
    }),
    async (c) => {
      const job = await deps.jobs.get(c.req.valid('param').id);
      if (job?.kind !== EXPORT_KIND)
        throw new DomainError(ErrorCodes.notFound, 'No such export.', {});
      return c.json({ export: await viewExport(deps, job) }, 200);
    },
  );
  return api;
}
