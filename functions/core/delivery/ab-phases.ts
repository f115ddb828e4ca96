import { DomainError, ErrorCodes } from '../errors.js';
import {
  abPhase,
  chooseWinner,
  isPhaseTwoShard,
  phaseShards,
  variantCounterId,
  type AbTest,
} from '../issues/ab-test.js';
import { audienceTotal, shardsOf, type Issue, type ShardProgress } from '../issues/issue.js';
import { transitionIssue, type TransitionResult } from '../issues/manage-issues.js';
import type { DeliveryDeps } from './deps.js';

/**
 * The end of a phase of an A/B issue (ab-test.ts): its sample sent, it waits for the winner
 * (`testing`, until `winnerAt`); the rest sent, it is sent. Read afresh, and the move refused
 * if another worker's or the tick's moved it on meanwhile: a worker that still thinks the issue
 * is in its sample never sends it back to waiting.
 */
export async function finishAbPhase(
  deps: DeliveryDeps,
  issue: Pick<Issue, 'id'>,
  shards: ShardProgress[],
) {
  const fresh = await deps.issues.get(issue.id);
  if (fresh?.state !== 'sending') return;
  const done = new Set(shards.filter((s) => s.done).map((s) => s.shard));
  if (!phaseShards(fresh, shardsOf(fresh)).every((s) => done.has(s))) return;
  const phase = abPhase(fresh);
  const now = deps.clock.now();
  await transitionIssue(deps, issue.id, phase === 'sample' ? 'sampleDone' : 'finish', (current) => {
    if (abPhase(current) !== phase)
      throw new DomainError(ErrorCodes.conflict, `Issue ${issue.id} moved on to its next phase.`);
    if (phase === 'sample') {
      const test = current.abTest!;
      const winnerAt = new Date(now.getTime() + test.waitMinutes * 60_000);
      return {
        abTest: { ...test, sampleDoneAt: now.toISOString(), winnerAt: winnerAt.toISOString() },
      };
    }
    const { total, exact } = audienceTotal(current, shards);
    return exact ? { total, totalEstimated: undefined } : {};
  }).catch((error) => {
    // Paused or cancelled at the last moment, or moved on: that state stands.
    if (!(error instanceof DomainError && error.code === ErrorCodes.conflict)) throw error;
  });
}

/** Sends by variant over the sample's shards (phase one's). */
export function sampleSends(shards: ShardProgress[]): Record<string, number> {
  const sum: Record<string, number> = {};
  for (const s of shards) {
    if (isPhaseTwoShard(s.shard)) continue;
    for (const [variant, n] of Object.entries(s.variantSent ?? {}))
      sum[variant] = (sum[variant] ?? 0) + n;
  }
  return sum;
}

/** Chooses an issue's winner by its rule from the sample's sends and its readers' engagement. */
export async function decideWinner(
  deps: Pick<DeliveryDeps, 'issues'>,
  issue: Issue & { abTest: AbTest },
) {
  const sent = sampleSends(await deps.issues.shards(issue.id));
  const figures = await Promise.all(
    issue.abTest.variants.map(async (v) => ({
      variant: v.id,
      sent: sent[v.id] ?? 0,
      engagement: await deps.issues.engagement(variantCounterId(issue.id, v.id)),
    })),
  );
  return chooseWinner(issue.abTest, figures);
}

export type WinnerResult = { issueId: string; winner: string; result?: TransitionResult };

/**
 * The tick's part: every A/B issue whose wait is over has its winner chosen and recorded (once:
 * a conditional write on the version read), then starts sending the rest. A tick that dies
 * between the two finds the winner recorded and only starts the rest. The sending hold pauses it
 * as it pauses any start, the winner kept.
 */
export async function sendDueWinners(deps: DeliveryDeps): Promise<WinnerResult[]> {
  const now = deps.clock.now().getTime();
  const moved: WinnerResult[] = [];
  for (const issue of await deps.issues.listByState('testing')) {
    const test = issue.abTest;
    if (!test?.winnerAt || Date.parse(test.winnerAt) > now) continue;
    const decided = test.winner ? issue : await recordWinner(deps, { ...issue, abTest: test });
    const winner = decided?.abTest?.winner;
    if (!winner) continue;
    const result = await transitionIssue(deps, issue.id, 'sendRest').catch((error) => {
      if (error instanceof DomainError && error.code === ErrorCodes.conflict) return undefined;
      throw error;
    });
    moved.push({ issueId: issue.id, winner: winner.variant, result });
  }
  return moved;
}

async function recordWinner(deps: DeliveryDeps, issue: Issue & { abTest: AbTest }) {
  const { variant, figures } = await decideWinner(deps, issue);
  const next: Issue = {
    ...issue,
    abTest: { ...issue.abTest, winner: { variant, at: deps.clock.now().toISOString(), figures } },
    updatedAt: deps.clock.now().toISOString(),
    version: issue.version + 1,
  };
  // Another tick recorded it first: theirs stands (the same rule on nearly the same figures).
  return (await deps.issues.save(next)) ? next : deps.issues.get(issue.id);
}
