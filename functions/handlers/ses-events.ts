import type { Context, EventBridgeEvent } from 'aws-lambda';
import { buildEventDeps, parseSuppressionConfig } from '../config.js';
import { handleSesEvent, sesEventSchema } from '../core/events/ses-events.js';
import { createLogger } from '../logger.js';
import { perConfiguration } from './per-configuration.js';

const logger = createLogger();

const eventDeps = perConfiguration(() => buildEventDeps(parseSuppressionConfig(process.env)));

/**
 * SES events (bounce, complaint, delivery, open, click; sends of outbox emails, their receipts)
 * from the configuration set, through EventBridge. A malformed event is logged and dropped: throwing would make Lambda retry
 * something that can never succeed. A failure to store is thrown, so Lambda retries the
 * invocation and, after its retries, sends the event to the dead-letter queue (docs/sending.md).
 */
export async function handler(event: EventBridgeEvent<string, unknown>, context: Context) {
  logger.addContext(context);
  const parsed = sesEventSchema.safeParse(event.detail);
  if (!parsed.success) {
    logger.warn('SES event dropped: malformed', {
      handler: 'ses-events',
      eventId: event.id,
      detailType: event['detail-type'],
      problem: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`),
    });
    return { handled: false };
  }
  const outcome = await handleSesEvent(eventDeps(), parsed.data);
  const { mail } = parsed.data;
  // Only interrupted sends need their receipt; one for an attempt already sent again is a reader
  // who may have this email twice (docs/sending.md, "The receipt").
  if (outcome.receipt === 'settled')
    logger.info('outbox email settled by its SES receipt', { eventId: event.id, tags: mail.tags });
  if (outcome.receipt === 'superseded')
    logger.warn('outbox: SES receipt came after the email was sent again: possibly sent twice', {
      eventId: event.id,
      eventType: parsed.data.eventType,
      messageId: mail.messageId,
      tags: mail.tags,
    });
  // Bounces and complaints are worth a line each; deliveries, opens and clicks are only counted.
  if (
    parsed.data.eventType === 'Bounce' ||
    parsed.data.eventType === 'Complaint' ||
    outcome.suppressed.length > 0
  )
    logger.info('SES event handled', {
      handler: 'ses-events',
      eventId: event.id,
      eventType: parsed.data.eventType,
      messageId: parsed.data.mail.messageId,
      duplicate: outcome.duplicate,
      suppressed: outcome.suppressed.length,
      engagement: outcome.engagement,
    });
  return { handled: true, ...outcome, suppressed: outcome.suppressed.length };
}
