import { randomUUID } from 'node:crypto';
import { Cron } from 'croner';
import { scheduleDefinitions, toFiveFieldCron, type ScheduleName } from '../schedule-definitions.js';

export type Scheduler = { stop(): void; fire(name: ScheduleName): Promise<unknown> };

/** The EventBridge "Scheduled Event" the Lambda receives, so the handler runs on its AWS path. */
export function scheduledEvent(name: string, at = new Date(), region = process.env.AWS_REGION ?? 'us-east-1') {
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

const handlers: Record<ScheduleName, () => Promise<(event: ReturnType<typeof scheduledEvent>) => Promise<unknown>>> = {
  // Imported on first firing, after the local environment is in place, as Lambda would load it.
  tick: async () => (await import('../../functions/handlers/tick.js')).handler,
};

/** Runs every schedule in-process with the same expressions as the deployment. */
export function startScheduler(options: { log?: (line: string) => void } = {}): Scheduler {
  const log = options.log ?? console.log;
  const fire = async (name: ScheduleName) => {
    const handler = await handlers[name]();
    return handler(scheduledEvent(name));
  };
  const jobs = (Object.keys(scheduleDefinitions) as ScheduleName[]).map((name) =>
    new Cron(toFiveFieldCron(scheduleDefinitions[name].expression), { protect: true, timezone: 'UTC' }, async () => {
      try {
        await fire(name);
      } catch (error) {
        log(`schedule ${name} failed: ${(error as Error).stack ?? error}`);
      }
    }),
  );
  return { stop: () => jobs.forEach((job) => job.stop()), fire };
}
