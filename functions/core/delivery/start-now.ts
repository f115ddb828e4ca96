import { approveArticle } from '../issues/approvals.js';
import type { DigestDeps } from '../issues/digests.js';
import { resumeIssue, sendIssueNow } from '../issues/manage-issues.js';
import type { IssueDeps } from '../issues/deps.js';
import type { Logger } from '../../logger.js';
import { fanOut, type ShardQueue } from './fleet.js';

type StartDeps = IssueDeps & { shardQueue?: ShardQueue; logger?: Logger };

/**
 * An editor's "Send now" and "Resume": the issue's shards are queued for the fleet as soon as it
 * is sending, so the first emails leave within seconds, not at the next tick (which queues the
 * open shards anyway: a queue that fails here is logged and changes nothing else).
 */
export async function sendNowAndFanOut(deps: StartDeps, id: string) {
  return fannedOut(deps, id, await sendIssueNow(deps, id));
}

export async function resumeAndFanOut(deps: StartDeps, id: string) {
  return fannedOut(deps, id, await resumeIssue(deps, id));
}

/** An editor's approval of a new article: its issue starts, its shards queued at once too. */
export async function approveAndFanOut(deps: StartDeps & DigestDeps, slug: string, by: string) {
  const approved = await approveArticle(deps, slug, by);
  return fannedOut(deps, approved.issue.id, approved);
}

async function fannedOut<T>(deps: StartDeps, id: string, transition: T): Promise<T> {
  const { queued, error } = await fanOut(deps, [id]);
  if (error) deps.logger?.warn('fleet: shards not queued; the next tick will', { id, error });
  else if (queued > 0) deps.logger?.info('fleet: shards queued', { id, queued });
  return transition;
}
