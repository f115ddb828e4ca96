import type { Clock } from '../clock.js';
import type { Issue } from '../issues/issue.js';
import type { IssueRepository } from '../ports.js';
import { emitEvent } from './emit.js';
import type { WebhookStore } from './ports.js';

const about = (issue: Issue) => ({
  issue: {
    id: issue.id,
    subject: issue.subject,
    ...(issue.startedAt ? { startedAt: issue.startedAt } : {}),
    ...(issue.finishedAt ? { finishedAt: issue.finishedAt } : {}),
    ...(issue.total !== undefined ? { total: issue.total } : {}),
  },
});

/**
 * The issue repository, telling webhooks of an issue's start and end as the writes that make them
 * land: the first save into `sending` (its `startedAt` is that save's time; a resume's is not) and
 * the save into `sent` (its `finishedAt` is). Every path that starts or finishes an issue (the
 * API, the workspace, the tick, a worker) saves through here, and none of them changes. No reader
 * is named.
 */
export function withIssueEvents(
  issues: IssueRepository,
  deps: { webhooks: WebhookStore; clock: Clock },
): IssueRepository {
  return Object.assign(Object.create(issues) as IssueRepository, {
    async save(next: Issue): Promise<boolean> {
      const saved = await issues.save(next);
      if (!saved) return saved;
      if (next.state === 'sending' && next.startedAt === next.updatedAt)
        await emitEvent(deps, 'issue.started', about(next));
      if (next.state === 'sent' && next.finishedAt === next.updatedAt)
        await emitEvent(deps, 'issue.sent', about(next));
      return saved;
    },
  });
}
