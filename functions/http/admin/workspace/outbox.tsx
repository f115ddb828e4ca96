import { Hono } from 'hono';
import { listGivenUp, retryGivenUp } from '../../../core/outbox/manage.js';
import type { AdminDeps } from '../deps.js';
import { GivenUpList } from '../pages/outbox.js';
import { noticeOf, page, redirect, type WorkspaceEnv } from './page.js';

export const outboxRoutes = (deps: AdminDeps) =>
  new Hono<WorkspaceEnv>()
    .get('/', async (c) =>
      page(
        c,
        'Outbox: emails given up on',
        <GivenUpList
          entries={await listGivenUp(deps)}
          csrf={c.get('session').csrf}
          notice={noticeOf(c)}
        />,
      ),
    )
    .post('/retry', async (c) => {
      const body = await c.req.parseBody();
      const holder = body.holder === 'message' ? 'message' : 'subscriber';
      await retryGivenUp(deps, holder, typeof body.id === 'string' ? body.id : '');
      return redirect(c, '/admin/outbox?notice=retried');
    });
