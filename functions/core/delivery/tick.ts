import { DomainError, ErrorCodes } from '../errors.js';
import {
  catchUpDigests,
  publishNewArticles,
  type DigestDeps,
  type DigestSchedule,
} from '../issues/digests.js';
import { transitionIssue, type TransitionResult } from '../issues/manage-issues.js';
import type { SubscriberDeps } from '../subscribers/deps.js';
import type { OutboxDeps } from '../outbox/deps.js';
import { drainOutbox, type DrainResult } from '../outbox/drain.js';
import { reportOldestWaiting } from '../outbox/oldest.js';
import { sendDueWinners, type WinnerResult } from './ab-phases.js';
import { fanOut, type FanOut, type FleetDeps } from './fleet.js';
import { runWorker, type WorkerResult } from './worker.js';

export type TickDeps = FleetDeps & DigestDeps & SubscriberDeps & OutboxDeps;

export type TickResult = {
  started: string[];
  resumed: string[];
  /** Issues due to start or resume that the sending hold left paused instead. */
  held: string[];
  published: string[];
  /** Digests this tick started because their own firing had not (it failed, or never came). */
  digests: string[];
  /** A/B issues whose wait ended: their winner chosen, the rest sending (ab-phases.ts). */
  winners: WinnerResult[];
  /** The outbox sweep: whatever the Streams consumer missed (or, locally, had not reached yet). */
  outbox: DrainResult;
  /** How long the outbox's oldest unsent entry has waited after the sweep, in seconds (0: none). */
  outboxOldestSeconds: number;
  /** The open shards of sending issues, queued for the fleet (none without one). */
  fleet: FanOut;
  worker: WorkerResult;
};

/**
 * What every tick does (every minute): start scheduled issues that are due, resume issues paused
 * for the daily quota once their wait is over, record new articles as published (each waits for an
 * editor's approval before its own issue to "every article" readers, unless it opts in with
 * `sendWhenPublished`),
 * start any digest its schedule's latest firing left unstarted, queue every open shard of a
 * sending issue for the fleet, sweep the outbox for due emails, then work as a send worker until
 * the deadline: with a fleet, one sender more; without one (or with the queue down), the sender.
 */
export async function runTick(
  deps: TickDeps,
  options: {
    deadline?: number;
    workerId?: string;
    /** The tick's own firing time (the EventBridge event's): the moment digests are caught up to. */
    firedAt?: Date;
    digestSchedules?: DigestSchedule[];
  } = {},
): Promise<TickResult> {
  const now = deps.clock.now();
  const started: string[] = [];
  const held: string[] = [];
  /** Where a move the tick made is counted: a start the hold turned into a pause is neither. */
  const into = (moved: string[], result: TransitionResult | undefined, id: string) => {
    if (result?.changed) (result.held ? held : moved).push(id);
  };
  for (const issue of await deps.issues.listByState('scheduled')) {
    if (issue.scheduledAt && Date.parse(issue.scheduledAt) <= now.getTime())
      into(started, await ignoreConflict(transitionIssue(deps, issue.id, 'startDue')), issue.id);
  }
  const resumed: string[] = [];
  for (const issue of await deps.issues.listByState('paused')) {
    const resumeAfter = issue.pause?.resumeAfter;
    if (
      issue.pause?.reason === 'daily_quota' &&
      resumeAfter &&
      Date.parse(resumeAfter) <= now.getTime()
    ) {
      into(resumed, await ignoreConflict(transitionIssue(deps, issue.id, 'resume')), issue.id);
    }
  }
  const winners = await sendDueWinners(deps);
  const published = (await publishNewArticles(deps)).map((i) => i.id);
  const digests = await catchUpDigests(deps, options.digestSchedules ?? [], options.firedAt ?? now);
  const fleet = await fanOut(deps);
  const outbox = await drainOutbox(deps, { deadline: options.deadline });
  const outboxOldestSeconds = await reportOldestWaiting(deps);
  const worker = await runWorker(deps, { deadline: options.deadline, workerId: options.workerId });
  return {
    started,
    resumed,
    held,
    published,
    digests,
    winners,
    outbox,
    outboxOldestSeconds,
    fleet,
    worker,
  };
}

/** Another caller moved the issue first: that is the outcome we wanted anyway. */
async function ignoreConflict<T>(promise: Promise<T>): Promise<T | undefined> {
  try {
    return await promise;
  } catch (error) {
    if (error instanceof DomainError && error.code === ErrorCodes.conflict) return undefined;
    throw error;
  }
}
