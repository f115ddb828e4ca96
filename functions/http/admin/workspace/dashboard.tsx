import { Hono } from 'hono';
import { waitingCount } from '../../../core/issues/approvals.js';
import { issueReport } from '../../../core/issues/manage-issues.js';
import { currentHold } from '../../../core/issues/sending-hold.js';
import type { AdminDeps } from '../deps.js';
import { WaitingNotice } from '../pages/approvals.js';
import { Dashboard } from '../pages/dashboard.js';
import { HoldNotice } from '../pages/sending-hold.js';
import { allIssues, noticeOf, page, type WorkspaceEnv } from './page.js';

export const dashboardRoutes = (deps: AdminDeps) =>
  new Hono<WorkspaceEnv>().get('/', async (c) => {
    // Counters kept by every subscriber write: one read, whatever the list's size.
    const counts = await deps.subscribers.counts();
    const latest = (await allIssues(deps)).slice(0, 8);
    const reports = await Promise.all(latest.map((i) => issueReport(deps, i.id)));
    const waiting = await waitingCount(deps);
    const hold = await currentHold(deps);
    return page(
      c,
      'Dashboard',
      <>
        <HoldNotice hold={hold} csrf={c.get('session').csrf} />
        {noticeOf(c) ? (
          <p class="notice" role="status">
            {noticeOf(c)}
          </p>
        ) : null}
        <WaitingNotice count={waiting} />
        <Dashboard publication={deps.publication} counts={counts} reports={reports} />
      </>,
    );
  });
