import { buildWebhookSenderDeps, parseConfig } from '../functions/config.js';
import { drainWebhooks } from '../functions/core/webhooks/drain.js';
import type { Logger } from '../functions/logger.js';

export type WebhookPoller = { stop(): Promise<void> };

/**
 * The webhook sender in-process: the same drain the tick runs on AWS, every `intervalMs` (250 ms:
 * a reader's event reaches a local receiver within a second). Without the schedules too, so a
 * test that runs none still sees its deliveries.
 */
export function startWebhookPoller(options: {
  logger: Logger;
  intervalMs?: number;
}): WebhookPoller {
  const deps = buildWebhookSenderDeps(parseConfig(process.env));
  let running = true;
  let wake: (() => void) | undefined;
  const loop = (async () => {
    while (running) {
      try {
        await drainWebhooks(deps, { deadline: Date.now() + 60_000 });
      } catch (error) {
        options.logger.error('webhook poll failed', { error });
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, options.intervalMs ?? 250);
      });
    }
  })();
  return {
    stop: async () => {
      running = false;
      wake?.();
      await loop;
    },
  };
}
