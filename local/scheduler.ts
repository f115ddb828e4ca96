import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { Cron } from 'croner';
import { createLogger, type Logger } from '../functions/logger.js';
import {
  scheduleDefinitions,
  toFiveFieldCron,
  type ScheduleName,
} from '../infra/schedule-definitions.js';
import { lambdaContext } from './lambda-context.js';

export type Scheduler = {
  /** Stops the schedules and waits for firings under way, so nothing runs against a closed stack. */
  stop(): Promise<void>;
  /** Fires a schedule now, as EventBridge would (tests fire one twice to prove it runs once). */
  fire(name: ScheduleName, at?: Date): Promise<unknown>;
};

/** The EventBridge "Scheduled Event" the Lambda receives, so the handler runs on its AWS path. */
export function scheduledEvent(
  name: string,
  at = new Date(),
  region = process.env.AWS_REGION ?? 'us-east-1',
) {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event' as const,
    source: 'aws.events',
    account: '000000000000',
    time: at.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region,
    resources: [`arn:aws:events:${region}:000000000000:rule/${name}`],
    detail: {},
  };
}

type Handler = (event: ReturnType<typeof scheduledEvent>, context: Context) => Promise<unknown>;

/**
 * Loads a handler from its infra name (`functions/handlers/tick.handler`) on first firing, after
 * the local environment is in place, as Lambda would.
 */
async function loadHandler(name: ScheduleName): Promise<Handler> {
  const spec = scheduleDefinitions[name].handler;
  const dot = spec.lastIndexOf('.');
  const module = (await import(/* @vite-ignore */ `../${spec.slice(0, dot)}.js`)) as Record<
    string,
    Handler
  >;
  const handler = module[spec.slice(dot + 1)];
  if (typeof handler !== 'function') throw new Error(`${spec}: no such export`);
  return handler;
}

/**
 * Runs every schedule in-process with the same expressions as the deployment. Each firing gets
 * `budgetMs` as its "Lambda timeout", so a tick works for most of its minute and then yields.
 */
export function startScheduler(
  options: { logger?: Logger; budgetMs?: number; cron?: boolean } = {},
): Scheduler {
  const logger = options.logger ?? createLogger();
  const budgetMs = options.budgetMs ?? 50_000;
  const running = new Set<Promise<unknown>>();
  const fire = (name: ScheduleName, at = new Date()) => {
    const firing = loadHandler(name).then((handler) =>
      handler(scheduledEvent(name, at), lambdaContext(name, budgetMs)),
    );
    running.add(firing);
    const done = () => running.delete(firing);
    firing.then(done, done);
    return firing;
  };
  // Without cron (tests), schedules fire only when told to.
  const names = options.cron === false ? [] : (Object.keys(scheduleDefinitions) as ScheduleName[]);
  const jobs = names.map(
    (name) =>
      new Cron(
        toFiveFieldCron(scheduleDefinitions[name].expression),
        { protect: true, timezone: 'UTC' },
        async () => {
          try {
            await fire(name);
          } catch (error) {
            logger.error('schedule failed', { schedule: name, error });
          }
        },
      ),
  );
  return {
    stop: async () => {
      for (const job of jobs) job.stop();
      await Promise.allSettled([...running]);
    },
    fire,
  };
}
