import { adminFunction, feedsFunction, publicRoute } from './api.js';
import { sesEvents } from './events.js';
import { senders } from './fleet.js';
import { outboxSender } from './outbox.js';
import { reputationPause } from './reputation-pause.js';
import { crons } from './schedules.js';

/**
 * Every deployed function's name, by its key in infra/functions.ts: what the alarms, the dashboard
 * and the runtime's update mode (infra/runtime-updates.ts) name. Imported after every function.
 */
export const functionNames: Record<string, $util.Output<string>> = {
  api: publicRoute.nodes.function.name,
  admin: adminFunction.name,
  feeds: feedsFunction.name,
  sesEvents: sesEvents.nodes.function.name,
  outbox: outboxSender.nodes.function.name,
  sender: senders.nodes.function.name,
  reputationPause: reputationPause.nodes.function.name,
  ...Object.fromEntries(
    Object.entries(crons).map(([name, cron]) => [name, cron.nodes.function.name]),
  ),
};
