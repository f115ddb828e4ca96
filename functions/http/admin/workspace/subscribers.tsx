import { subscriberHistory } from '../../../core/subscribers/engagement-history.js';
import { type Context, Hono } from 'hono';
import { eraseSubscriber, subscriberData } from '../../../core/subscribers/personal-data.js';
import { listSubscribers } from '../../../core/subscribers/list.js';
import { subscribe } from '../../../core/subscribers/subscribe.js';
import type { AdminDeps } from '../deps.js';
import { SubscriberPage } from '../pages/subscriber.js';
import { type SubscriberFilter, SubscriberList } from '../pages/subscribers.js';
import type { Refused } from '../pages/form-problems.js';
import { askFirst } from './ask-first.js';
import { erasing } from './consequences.js';
import { noticeOf, page, redirect, type WorkspaceEnv } from './page.js';
import { latestExportOf } from './exports.js';
import { backOnTheForm } from './refused.js';
import { fieldsFromForm } from '../../pages/reader-fields.js';

/** The subscriber list and its forms, with the add form as it was refused when it was. */
async function subscriberList(deps: AdminDeps, c: Context<WorkspaceEnv>, refused?: Refused) {
  const q = c.req.query('q') || undefined;
  const filter: SubscriberFilter = {
    state: c.req.query('state') || undefined,
    topic: c.req.query('topic') || undefined,
    frequency: c.req.query('frequency') || undefined,
  };
  // The address box finds text anywhere in the address ("example.org"), not only its start.
  const { items: rows, cursor: next } = await listSubscribers(deps, {
    ...filter,
    contains: q,
    cursor: c.req.query('cursor'),
  });
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
      cursor={c.req.query('cursor')}
      refused={refused}
    />,
    refused ? 422 : 200,
  );
}

export const subscriberRoutes = (deps: AdminDeps) => {
  const list = (c: Context<WorkspaceEnv>, refused?: Refused) => subscriberList(deps, c, refused);
  return new Hono<WorkspaceEnv>()
    .get('/', async (c) => list(c))
    .post('/', backOnTheForm(list), async (c) => {
      const body = await c.req.parseBody();
      const given = fieldsFromForm(body, deps.publication.fields ?? []);
      await subscribe(deps, { email: body.email, ...given }, 'admin');
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
      const { issues: history } = await subscriberHistory(deps, s.id);
      return page(
        c,
        s.email,
        <SubscriberPage
          s={s}
          history={history}
          csrf={c.get('session').csrf}
          fields={deps.publication.fields ?? []}
        />,
      );
    })
    .post('/:id/erase', askFirst(erasing(deps)), async (c) => {
      await eraseSubscriber(deps, c.req.param('id'));
      return redirect(c, '/admin/subscribers?notice=erased');
    });
};
