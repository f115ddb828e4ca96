import { MjmlIssueRenderer } from '../adapters/mjml/mjml-renderer.js';
import { buildDeliveryDeps, parseConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { perConfiguration } from './per-configuration.js';

/**
 * What a scheduled send function (tick, the digests) keeps for the life of its container: its
 * logger, to which each invocation adds its context, and the send pipeline built with it.
 */
export function deliveryFunction() {
  const logger = createLogger();
  const deliveryDeps = perConfiguration(() => {
    const config = parseConfig(process.env);
    return buildDeliveryDeps(config, new MjmlIssueRenderer(config.TEMPLATES_DIR), logger);
  });
  return { logger, deliveryDeps };
}
