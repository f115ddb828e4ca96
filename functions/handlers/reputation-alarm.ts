import type { Context, EventBridgeEvent } from 'aws-lambda';
import { buildPauseDeps, parseTableConfig } from '../config.js';
import {
  alarmStateChangeSchema,
  pauseForReputationAlarm,
} from '../core/issues/reputation-pause.js';
import { createLogger } from '../logger.js';
import { perConfiguration } from './per-configuration.js';

const logger = createLogger();
const deps = perConfiguration(() => buildPauseDeps(parseTableConfig(process.env)));

/** A reputation alarm went into ALARM (EventBridge, infra/reputation-pause.ts): pause all sending. */
export async function handler(
  event: EventBridgeEvent<'CloudWatch Alarm State Change', unknown>,
  context: Context,
) {
  logger.addContext(context);
  const result = await pauseForReputationAlarm(deps(), alarmStateChangeSchema.parse(event.detail));
  logger.warn('reputation alarm: sending paused', { eventId: event.id, ...result });
  return result;
}
