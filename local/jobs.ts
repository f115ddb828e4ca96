import { localJobKicker } from '../functions/config.js';
import type { JobKicker } from '../functions/core/jobs/ports.js';
import type { Logger } from '../functions/logger.js';
import { lambdaContext } from './lambda-context.js';
import { scheduledEvent } from './scheduler.js';

export type LocalJobRunner = JobKicker & {
  /** Waits for the run under way (and one kicked during it), then stops taking kicks. */
  stop(): Promise<void>;
};

/**
 * The local stack's stand-in for invoking the `jobs` function: a kick runs its handler in-process
 * at once, one run at a time as the reserved concurrency of 1 makes it on AWS; a kick during a run
 * makes one more run after it (the job may have been created after the run looked).
 */
export function startLocalJobRunner(options: { budgetMs: number; logger: Logger }): LocalJobRunner {
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;
  const runOnce = async () => {
    const { handler } = await import('../functions/handlers/jobs.js');
    await handler(scheduledEvent('jobs-kick'), lambdaContext('jobs', options.budgetMs));
  };
  const loop = async () => {
    do {
      again = false;
      try {
        await runOnce();
      } catch (error) {
        options.logger.error('local job run failed', { error });
      }
    } while (again && !stopped);
    running = undefined;
  };
  const runner: LocalJobRunner = {
    kick: async () => {
      if (stopped) return;
      if (running !== undefined) again = true;
      else running = loop();
    },
    stop: async () => {
      stopped = true;
      if (localJobKicker.current === runner) localJobKicker.current = undefined;
      await running;
    },
  };
  localJobKicker.current = runner;
  return runner;
}
