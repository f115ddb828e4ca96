import { createHash } from 'node:crypto';
import type { SesEvent } from '../events/ses-events.js';
import { normalizeEmail } from '../email-address.js';
import { subscriberIdFor } from '../subscribers/subscriber.js';
import { newEventId } from './delivery.js';
import { type EmitDeps, emitEvent } from './emit.js';
import type { WebhookEventType } from './endpoint.js';

const TYPES: Partial<Record<SesEvent['eventType'], WebhookEventType>> = {
  Send: 'email.sent',
  Delivery: 'email.delivered',
  Bounce: 'email.bounced',
  Complaint: 'email.complained',
  Open: 'email.opened',
  Click: 'email.clicked',
};

/** The recipients an SES event is about: the bounced or complaining ones, else the message's. */
function recipientsOf(event: SesEvent): string[] {
  if (event.eventType === 'Bounce')
    return (event.bounce?.bouncedRecipients ?? []).map((r) => r.emailAddress);
  if (event.eventType === 'Complaint')
    return (event.complaint?.complainedRecipients ?? []).map((r) => r.emailAddress);
  return event.mail.destination;
}

/** When SES says it happened: the event's own time, else the message's. */
function timeOf(event: SesEvent): string {
  const own =
    event.bounce?.timestamp ??
    event.complaint?.timestamp ??
    event.delivery?.timestamp ??
    event.open?.timestamp ??
    event.click?.timestamp ??
    event.mail.timestamp;
  const at = Date.parse(own ?? '');
  return Number.isNaN(at) ? new Date(0).toISOString() : new Date(at).toISOString();
}

/**
 * One webhook event per recipient of an SES event, its id made from the SES event itself (the
 * message, the type, the recipient, the time): SES or Lambda delivering it twice, or the handler's
 * retry after a failure, queues the same event id, which the store keeps once. A click's link is
 * left out: links to this site carry the reader's unsubscribe and preferences tokens.
 */
export async function emitEmailEvent(deps: EmitDeps, event: SesEvent): Promise<void> {
  const type = TYPES[event.eventType];
  // A test send goes to an editor, not a reader: nothing for a receiver to act on.
  if (!type || !deps.webhooks || event.mail.tags.kind?.[0] === 'test') return;
  const createdAt = timeOf(event);
  const tags = event.mail.tags;
  for (const address of recipientsOf(event)) {
    const checked = normalizeEmail(address);
    if (!checked.ok) continue;
    const digest = createHash('sha256')
      .update(`${event.mail.messageId}\n${event.eventType}\n${checked.email}\n${createdAt}`)
      .digest('hex')
      .slice(0, 16);
    const data = {
      reader: { id: subscriberIdFor(checked.email), email: checked.email },
      email: {
        messageId: event.mail.messageId,
        ...(tags.kind?.[0] ? { kind: tags.kind[0] } : {}),
        ...(tags.issue?.[0] ? { issueId: tags.issue[0] } : {}),
        ...(event.bounce ? { bounceType: event.bounce.bounceType } : {}),
      },
    };
    await emitEvent(deps, type, data, { id: newEventId(new Date(createdAt), digest), createdAt });
  }
}
