import { Hono } from 'hono';
import { editorsOf } from '../../../core/access/api-keys.js';
import type { AdminDeps } from '../deps.js';
import { EditorList } from '../pages/editors.js';
import { page, type WorkspaceEnv } from './page.js';

/** /admin/editors: who holds a key, and where their test sends may go. */
export const editorRoutes = (deps: AdminDeps) =>
  new Hono<WorkspaceEnv>().get('/', async (c) =>
    page(c, 'Editors', <EditorList editors={await editorsOf(deps)} me={c.get('key').email} />),
  );
