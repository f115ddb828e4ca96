import { Hono } from 'hono';
import { clearHold, currentHold } from '../../../core/issues/sending-hold.js';
import type { AdminDeps } from '../deps.js';
import { askFirst } from './ask-first.js';
import { redirect, type WorkspaceEnv } from './page.js';

/** Clearing the sending hold (mounted at /admin/sending-hold): it asks first, saying what it does. */
export const sendingHoldRoutes = (deps: AdminDeps) =>
  new Hono<WorkspaceEnv>().post(
    '/clear',
    askFirst(async () => {
      const hold = await currentHold(deps);
      const paused = (await deps.issues.listByState('paused')).filter(
        (i) => i.pause?.reason === 'reputation_alarm',
      ).length;
      return {
        title: 'Clear the sending hold?',
        says: `${hold ? `The hold set by ${hold.alarm} goes` : 'No hold is set now'}: from then on, Send now sends, scheduled issues start at their time, and digests and approved articles start. The ${paused} issue${paused === 1 ? '' : 's'} paused by the alarm stay paused until you resume each one. Clear it only once the alarm is back to OK: it sets the hold again only when its rate falls and rises again.`,
        button: 'Clear the sending hold',
        back: '/admin',
      };
    }),
    async (c) => {
      await clearHold(deps);
      return redirect(c, '/admin?notice=hold-cleared');
    },
  );
