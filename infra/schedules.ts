import { api } from './api.js';
import { functionArgs } from './function-args.js';
import { scheduleDefinitions } from './schedule-definitions.js';

/**
 * One EventBridge rule and function per entry of `scheduleDefinitions`, the same expressions the
 * local scheduler runs: a new schedule there needs no change here. The rule's target passes the
 * EventBridge event itself (SST's Cron would send a constant `{}`), because the handlers read its
 * `time` (a digest's period) and `id`, exactly as they get it from the local scheduler.
 */
export const crons = Object.fromEntries(
  Object.entries(scheduleDefinitions).map(([name, schedule]) => [
    name,
    new sst.aws.Cron(`Schedule${name[0]!.toUpperCase()}${name.slice(1)}`, {
      schedule: schedule.expression as `cron(${string})`,
      function: functionArgs(name, { baseUrl: api.url }),
      transform: {
        target: (args) => {
          delete args.input;
        },
      },
    }),
  ]),
);
