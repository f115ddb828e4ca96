import { randomUUID } from 'node:crypto';
import { Hono } from 'hono';
import { isOpen } from '../../../core/jobs/job.js';
import {
  EXPORT_KIND,
  startExport,
  viewExport,
  type ExportView,
} from '../../../core/subscribers/export-job.js';
import type { AdminDeps } from '../deps.js';
import { ExportPage } from '../pages/export.js';
import { page, redirect, type WorkspaceEnv } from './page.js';

/** Seconds between reloads of a running export's page (a meta refresh: no JavaScript needed). */
const REFRESH_SECONDS = 3;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The newest export, as the subscribers page shows it (undefined before the first). */
export async function latestExportOf(deps: AdminDeps): Promise<ExportView | undefined> {
  const [job] = await deps.jobs.list(EXPORT_KIND, 1);
  return job ? viewExport(deps, job) : undefined;
}

/** CSV exports: the subscribers page's form starts one; its page follows it to the link. */
export const exportRoutes = (deps: AdminDeps) =>
  new Hono<WorkspaceEnv>()
    .post('/', async (c) => {
      const job = await startExport(deps, c.get('key')?.name, randomUUID());
      return redirect(c, `/admin/exports/${job.id}`);
    })
    .get('/:id', async (c) => {
      // Export ids are UUIDs: anything else is no export (and never a key DynamoDB would refuse).
      const id = c.req.param('id');
      const job = UUID.test(id) ? await deps.jobs.get(id) : undefined;
      if (job?.kind !== EXPORT_KIND)
        return page(c, 'Not found', <p>No such export (kept 30 days).</p>, 404);
      const view = await viewExport(deps, job);
      return page(
        c,
        'CSV export',
        <ExportPage view={view} />,
        200,
        isOpen(job) ? REFRESH_SECONDS : undefined,
      );
    });
