import { Hono } from 'hono';
import type { AdminDeps } from '../deps.js';
import { AuditList } from '../pages/audit.js';
import { page, type WorkspaceEnv } from './page.js';

/** The audit trail (mounted at /admin/audit): any signed-in editor may read it. */
export const auditRoutes = (deps: AdminDeps) =>
  new Hono<WorkspaceEnv>().get('/', async (c) =>
    page(
      c,
      'Audit trail',
      <AuditList entries={await deps.auditLog.recent(200, deps.clock.now())} />,
    ),
  );
