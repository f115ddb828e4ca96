import { type Context, Hono } from 'hono';
import { allowAddress, suppressAddress } from '../../../core/subscribers/suppression.js';
import type { AdminDeps } from '../deps.js';
import { SuppressionList } from '../pages/suppressions.js';
import type { Refused } from '../pages/form-problems.js';
import { askFirst } from './ask-first.js';
import { backOnTheForm } from './refused.js';
import { suppressing, unsuppressing } from './consequences.js';
import { noticeOf, page, redirect, type WorkspaceEnv } from './page.js';

export const suppressionRoutes = (deps: AdminDeps) => {
  /** The list and its forms, with the form that was refused (adding or removing) kept. */
  const list = async (c: Context<WorkspaceEnv>, refused?: Refused) =>
    page(
      c,
      'Suppression list',
      <SuppressionList
        entries={await deps.directory.suppressions()}
        csrf={c.get('session').csrf}
        notice={noticeOf(c)}
        refused={refused && { ...refused, removing: c.req.path.endsWith('/remove') }}
      />,
      refused ? 422 : 200,
    );
  return new Hono<WorkspaceEnv>()
    .get('/', async (c) => list(c))
    .post('/', backOnTheForm(list), askFirst(suppressing()), async (c) => {
      await suppressAddress(deps, await c.req.parseBody());
      return redirect(c, '/admin/suppressions?notice=suppressed');
    })
    .post('/remove', backOnTheForm(list), askFirst(unsuppressing()), async (c) => {
      const { reason } = await allowAddress(deps, await c.req.parseBody());
      // An address mailed again is a decision someone must answer for: who, and why.
      c.get('logger').info('suppression_removed', { by: c.get('key').prefix, reason });
      return redirect(c, '/admin/suppressions?notice=unsuppressed');
    });
};
