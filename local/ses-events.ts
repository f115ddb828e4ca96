import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { FileDeadLetters } from '../functions/adapters/files/file-dead-letters.js';
import type { SesEventEnvelope } from '../functions/core/events/dead-letters.js';
import type { Logger } from '../functions/logger.js';
import { lambdaContext } from './lambda-context.js';

/** Where the local stack keeps the SES events it could not handle (`npm run events`). */
export const localDeadLettersDir = (dataDir: string) => join(dataDir, 'dead-letters');

/**
 * The `ses-events` function as Lambda runs it for EventBridge: invoked asynchronously, a failure
 * retried twice (Lambda waits about 1 and 2 minutes; here `retryDelaysMs`), then handed to the
 * on-failure destination, which locally is a file under the data folder. A few invocations run
 * at once, as a function's concurrency would allow: a burst of events (one per message of a send)
 * waits its turn instead of opening hundreds of connections that time out queueing for a socket.
 */
export function localSesEvents(options: {
  dataDir: string;
  logger: Logger;
  retryDelaysMs?: readonly number[];
}) {
  const deadLetters = new FileDeadLetters(localDeadLettersDir(options.dataDir));
  const delays = options.retryDelaysMs ?? [1000, 2000];
  const concurrency = limit(LOCAL_CONCURRENCY);
  return (event: SesEventEnvelope) => concurrency(() => invoke(event));
  async function invoke(event: SesEventEnvelope) {
    const { handler } = await import('../functions/handlers/ses-events.js');
    for (let attempt = 0; ; attempt++) {
      try {
        return await handler(event as never, lambdaContext('sesEvents', 30_000));
      } catch (error) {
        if (attempt >= delays.length) {
          await deadLetters.put(event, (error as Error).message, new Date());
          options.logger.error('ses-events: event dead-lettered after retries', {
            eventId: event.id,
            attempts: attempt + 1,
            error,
          });
          return undefined;
        }
        await sleep(delays[attempt]);
      }
    }
  }
}

/** Invocations of the local `ses-events` that run at once. */
const LOCAL_CONCURRENCY = 4;

/** Runs at most `n` of the tasks given it at once, the rest in the order they came. */
function limit(n: number) {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (running >= n) await new Promise<void>((resolve) => waiting.push(resolve));
    running++;
    try {
      return await task();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}
