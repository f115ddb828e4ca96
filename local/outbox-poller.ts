import { buildOutboxDeps, parseConfig } from '../functions/config.js';
import { drainOutbox } from '../functions/core/outbox/drain.js';
import type { Logger } from '../functions/logger.js';

export type OutboxPoller = {
  stop(): Promise<void>;
  /** Resolves once nothing is due or in flight (tests read the SES emulator after it). */
  settled(timeoutMs?: number): Promise<void>;
};

/**
 * What DynamoDB Streams does on AWS, for a table that has none (dynalite): a look at the
 * outbox's index every `intervalMs`, and the same drain the Streams consumer and the tick run,
 * so an email (or a webhook event left on a record) goes within a second of the write that queued
 * it.
 */
export async function startOutboxPoller(options: {
  logger: Logger;
  intervalMs?: number;
}): Promise<OutboxPoller> {
  const intervalMs = options.intervalMs ?? 250;
  const deps = await buildOutboxDeps(parseConfig(process.env), options.logger);
  let running = true;
  let busy = false;
  // An email due, or a reader's webhook event left on its record (its request could not queue it).
  const hasWork = async (at: Date) =>
    (await deps.outbox.due(at, 1)).length > 0 || (await deps.outbox.withEvents(1)).length > 0;
  const loop = (async () => {
    while (running) {
      try {
        // Busy only while there is work, so `settled` answers at once when there is none.
        if (await hasWork(new Date())) {
          busy = true;
          await drainOutbox(deps, { deadline: Date.now() + 60_000 });
        }
      } catch (error) {
        options.logger.error('outbox poll failed', { error });
      } finally {
        busy = false;
      }
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
    },
    settled: async (timeoutMs = 20_000) => {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if (!busy && !(await hasWork(new Date(Date.now() + 1_000)))) return;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
  };
}
