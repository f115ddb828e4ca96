import { api } from './api.js';
import { functionArgs } from './function-args.js';
import { readDeploySettings } from './settings.js';
import { shardWork } from './shard-work.js';
import { shardWorkQueue } from './functions.js';

const settings = readDeploySettings(process.env);

/**
 * The sender fleet: the `sender` function on the shard-work queue, one message per invocation,
 * at most DISPATCH_SEND_FLEET_SIZE at once (the event source's maximum concurrency: SQS waits
 * rather than throttling a reserved function, so no message is failed for lack of a sender).
 * A sender names a message it could not finish, and SQS hands out that one alone again.
 */
export const senders = shardWork.subscribe(functionArgs('sender', { baseUrl: api.url }), {
  batch: shardWorkQueue.batch,
  transform: {
    eventSourceMapping: (args) => {
      args.scalingConfig = { maximumConcurrency: settings.sendFleetSize };
    },
  },
});
