import { Hono } from 'hono';
import {
  eraseSubscriber,
  findSubscriber,
  subscriberData,
} from '../../../core/subscribers/personal-data.js';
import { subscribe } from '../../../core/subscribers/subscribe.js';
import type { Subscriber } from '../../../core/subscribers/subscriber.js';
import type { AdminDeps } from '../deps.js';
import { SubscriberPage } from '../pages/subscriber.js';
import { type SubscriberFilter, SubscriberList } from '../pages/subscribers.js';
import { noticeOf, page, redirect, type WorkspaceEnv } from './page.js';
import { latestExportOf } from './exports.js';

export const subscriberRoutes = (deps: AdminDeps) =>
  new Hono<WorkspaceEnv>()
    .get('/', async (c) => {
      const q = c.req.query('q');
      const filter: SubscriberFilter = {
        state: c.req.query('state') || undefined,
        topic: c.req.query('topic') || undefined,
        frequency: c.req.query('frequency') || undefined,
      };
      const { rows, next } = q
        ? await searched(deps, q)
        : await filtered(deps, c.req.query('cursor') || undefined, filter);
      const latestExport = await latestExportOf(deps);
      return page(
        c,
        'Subscribers',
        <SubscriberList
          latestExport={latestExport}
          rows={rows}
          next={next}
          q={q}
          filter={filter}
          notice={noticeOf(c)}
          csrf={c.get('session').csrf}
          publication={deps.publication}
        />,
      );
    })
    .post('/', async (c) => {
      const body = await c.req.parseBody();
      await subscribe(deps, { email: body.email }, 'admin');
      return redirect(c, '/admin/subscribers?notice=added');
    })
    .get('/:id/export.json', async (c) => {
      const data = await subscriberData(deps, c.req.param('id'));
      return c.body(JSON.stringify(data, null, 2), 200, {
        'content-type': 'application/json',
        'content-disposition': `attachment; filename="subscriber-${c.req.param('id')}.json"`,
      });
    })
    .get('/:id', async (c) => {
      const s = await deps.subscribers.get(c.req.param('id'));
      if (!s) return page(c, 'Not found', <p>No such subscriber (erased, perhaps).</p>, 404);
      const history = await deps.ledger.history(s.id);
      return page(
        c,
        s.email,
        <SubscriberPage s={s} history={history} csrf={c.get('session').csrf} />,
      );
    })
    .post('/:id/erase', async (c) => {
      await eraseSubscriber(deps, c.req.param('id'));
      return redirect(c, '/admin/subscribers?notice=erased');
    });

async function searched(deps: AdminDeps, q: string) {
  const found = await findSubscriber(deps, q);
  return { rows: found ? [found] : [], next: undefined };
}

/** One page of the directory, filtered on it: the filter narrows a page, it does not page on. */
async function filtered(deps: AdminDeps, cursor: string | undefined, filter: SubscriberFilter) {
  const pageOf = await deps.directory.subscribers(cursor, 100);
  const rows = pageOf.items.filter(
    (s: Subscriber) =>
      (!filter.state || s.state === filter.state) &&
      (!filter.topic || s.topics.includes(filter.topic)) &&
      (!filter.frequency || s.frequency === filter.frequency),
  );
  return { rows, next: pageOf.cursor };
}
