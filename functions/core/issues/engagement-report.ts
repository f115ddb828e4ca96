import { DomainError, ErrorCodes } from '../errors.js';
import type { EngagementStore, IssueRepository, LinkEngagement } from '../ports.js';
import type { Engagement } from './issue.js';
import { assertPossibleIssueId } from './manage-issues.js';

export type IssueEngagement = {
  issueId: string;
  /** The issue's totals: readers' opens and clicks, the readers who did, bots' apart. */
  totals: Engagement;
  /** Each link readers or bots clicked, most clicked first. */
  links: LinkEngagement[];
};

/** What readers did with an issue, link by link (docs/engagement.md). */
export async function issueEngagement(
  deps: { issues: Pick<IssueRepository, 'get' | 'engagement'>; engagement: EngagementStore },
  id: string,
): Promise<IssueEngagement> {
  assertPossibleIssueId(id);
  if (!(await deps.issues.get(id))) throw new DomainError(ErrorCodes.notFound, `No issue ${id}.`);
  const [totals, links] = await Promise.all([
    deps.issues.engagement(id),
    deps.engagement.links(id),
  ]);
  return { issueId: id, totals, links };
}
