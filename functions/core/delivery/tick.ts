import type { Article } from '../content/article.js';
import { DomainError, ErrorCodes } from '../errors.js';
import { sendArticle, type DeliveryDeps, type SendSummary } from './send-article.js';

export type TickDeps = DeliveryDeps & { articles: { bySlug(slug: string): Promise<Article | undefined> } };

export type TickResult = { resumed: SendSummary[]; busy: string[]; missing: string[] };

/**
 * What every scheduled tick does: resume each issue whose worker stopped before finishing
 * (its lease ran out). Issues whose worker is alive are left to it.
 */
export async function runTick(deps: TickDeps): Promise<TickResult> {
  const result: TickResult = { resumed: [], busy: [], missing: [] };
  const now = deps.clock.now().getTime();
  for (const issue of await deps.issues.listSending()) {
    if (issue.leaseUntil && Date.parse(issue.leaseUntil) >= now) {
      result.busy.push(issue.issueId);
      continue;
    }
    const article = await deps.articles.bySlug(issue.articleSlug);
    if (!article) {
      result.missing.push(issue.issueId);
      continue;
    }
    try {
      result.resumed.push(await sendArticle(deps, article));
    } catch (error) {
      // Another worker took it between our read and our lease: it is in good hands.
      if (error instanceof DomainError && error.code === ErrorCodes.conflict) result.busy.push(issue.issueId);
      else throw error;
    }
  }
  return result;
}
