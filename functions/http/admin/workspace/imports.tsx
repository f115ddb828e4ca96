import { Hono } from 'hono';
import {
  createImport,
  importDeps,
  importNow,
  importStatus,
  importView,
  startImport,
  waitFor,
} from '../../../core/subscribers/import-jobs.js';
import { contentSecurityPolicy } from '../../app.js';
import type { AdminDeps } from '../deps.js';
import { ImportReportPage } from '../pages/subscriber.js';
import { page, redirect, type WorkspaceEnv } from './page.js';
import { uploadScript } from './upload-script.js';

/** How long the workspace waits for the runner (woken at once) before showing progress instead. */
const INLINE_MS = 10_000;

/**
 * Imports in the workspace, under /admin/subscribers. With script, the form uploads the file
 * straight to the blob store (a presigned PUT) and starts the import; without, it posts the file
 * here (4 MB at most). Either way the job runner is woken at once, and the page waits for it a
 * few seconds before showing the import's progress.
 */
export const importRoutes = (deps: AdminDeps) =>
  new Hono<WorkspaceEnv>()
    // The subscriber list's page, whose import form runs the upload script: scripts from this
    // origin, and requests to the blob store's, on that page only.
    .get('/', async (c, next) => {
      await next();
      const origin = deps.blobs ? new URL(await uploadOrigin(deps)).origin : undefined;
      c.res.headers.set(
        'Content-Security-Policy',
        contentSecurityPolicy(deps.publication, {
          scriptSrc: ["'self'"],
          connectSrc: ["'self'", ...(origin ? [origin] : [])],
        }),
      );
    })
    .get('/import.js', (c) =>
      c.body(uploadScript, 200, { 'content-type': 'text/javascript; charset=utf-8' }),
    )
    .post('/import', async (c) => {
      const body = await c.req.parseBody();
      const file = body.file;
      const bytes =
        typeof file === 'string'
          ? new TextEncoder().encode(file)
          : file instanceof File
            ? new Uint8Array(await file.arrayBuffer())
            : new Uint8Array();
      const job = await importNow(importDeps(deps), bytes, INLINE_MS);
      return job.state === 'done'
        ? page(c, 'Import report', <ImportReportPage job={importView(job)} />)
        : redirect(c, `/admin/subscribers/imports/${job.id}`);
    })
    .post('/imports', async (c) => {
      const { id, uploadUrl } = await createImport(importDeps(deps));
      return c.json({ id, uploadUrl }, 201);
    })
    .post('/imports/:id/start', async (c) => {
      const id = c.req.param('id');
      await startImport(importDeps(deps), id);
      await waitFor(importDeps(deps), id, INLINE_MS);
      return c.json({ location: `/admin/subscribers/imports/${id}` }, 202);
    })
    .get('/imports/:id', async (c) => {
      const job = importView(await importStatus(importDeps(deps), c.req.param('id')));
      const running = job.state === 'queued' || job.state === 'running';
      return page(c, 'Import', <ImportReportPage job={job} />, 200, running ? 3 : undefined);
    });

/** Where the browser PUTs files: the origin of a presigned URL (signing is local, no request). */
function uploadOrigin(deps: AdminDeps) {
  return deps.blobs!.uploadUrl('imports/origin.csv', {
    contentType: 'text/csv',
    expiresInSeconds: 60,
  });
}
