import { createHash, randomUUID } from 'node:crypto';
import * as z from 'zod';
import type { Clock } from '../clock.js';
import { normalizeEmail } from '../email-address.js';
import type { Engagement } from '../issues/issue.js';
import type { OutboxStore } from '../outbox/ports.js';
import { countInteraction } from './engagement.js';
import { applyReceipt, receiptIn, type ReceiptOutcome } from '../outbox/receipt.js';
import type {
  EngagementStore,
  EventLog,
  IssueRepository,
  SubscriberRepository,
  SuppressionList,
} from '../ports.js';
import { mutateSubscriber } from '../subscribers/mutate.js';
import { subscriberIdFor } from '../subscribers/subscriber.js';
import { emitEmailEvent } from '../webhooks/email-events.js';
import type { WebhookStore } from '../webhooks/ports.js';

const ACTED_ON = new Set<SesEvent['eventType']>([
  'Bounce',
  'Complaint',
  'Delivery',
  'Open',
  'Click',
]);

/**
 * Events that prove SES accepted the message: for an outbox email, each is its receipt. Not a
 * Reject (SES refused to deliver it) nor a RenderingFailure.
 */
const ACCEPTED = new Set<SesEvent['eventType']>([
  'Send',
  'Delivery',
  'Bounce',
  'Complaint',
  'DeliveryDelay',
  'Open',
  'Click',
]);

/** Soft bounces in a row that make an address undeliverable. */
export const SOFT_BOUNCE_LIMIT = 3;

const recipients = z.array(z.object({ emailAddress: z.string() }));

/** The SES event record (configuration set -> EventBridge), as much of it as we act on. */
export const sesEventSchema = z.object({
  eventType: z.enum([
    'Send',
    'Delivery',
    'Bounce',
    'Complaint',
    'Reject',
    'Open',
    'Click',
    'DeliveryDelay',
    'RenderingFailure',
    'Subscription',
  ]),
  mail: z.object({
    messageId: z.string(),
    timestamp: z.string().optional(),
    destination: z.array(z.string()).default([]),
    tags: z.record(z.string(), z.array(z.string())).default({}),
  }),
  bounce: z
    .object({
      bounceType: z.enum(['Permanent', 'Transient', 'Undetermined']),
      bounceSubType: z.string().optional(),
      bouncedRecipients: recipients,
      timestamp: z.string().optional(),
    })
    .optional(),
  complaint: z
    .object({ complainedRecipients: recipients, timestamp: z.string().optional() })
    .optional(),
  delivery: z.object({ timestamp: z.string().optional() }).optional(),
  open: z.object({ timestamp: z.string().optional(), userAgent: z.string().optional() }).optional(),
  click: z
    .object({
      timestamp: z.string().optional(),
      link: z.string().optional(),
      userAgent: z.string().optional(),
    })
    .optional(),
});
export type SesEvent = z.infer<typeof sesEventSchema>;

export type EventDeps = {
  subscribers: SubscriberRepository;
  /** The test sends' items, where their entries live (receipts settle those too). */
  outbox: OutboxStore;
  suppressions: SuppressionList;
  issues: Pick<IssueRepository, 'addEngagement'>;
  /** Per link and per reader: uniques, bots apart, each reader's history (engagement.ts). */
  engagement: EngagementStore;
  events: EventLog;
  clock: Clock;
  /** Where the email.* webhook events are queued (core/webhooks/email-events.ts); none in unit tests. */
  webhooks?: WebhookStore;
};

export type EventOutcome = {
  duplicate: boolean;
  suppressed: string[];
  engagement?: keyof Engagement;
  /** What the event did as an outbox email's receipt, when it is one. */
  receipt?: ReceiptOutcome;
};

/**
 * Acts on one SES event: an outbox email's event is its receipt, settling an entry its sender
 * could not; a hard bounce or a complaint suppresses the address at once (never mailed again,
 * whatever brings it back); soft bounces count and, repeated, suppress; deliveries, opens and
 * clicks count per issue. An event handled twice changes nothing.
 */
export async function handleSesEvent(deps: EventDeps, event: SesEvent): Promise<EventOutcome> {
  // First, and outside the event log: a receipt is idempotent by itself (receipt.ts), so a retry
  // after a later failure applies it again harmlessly.
  const receipt = await receiptOf(deps, event);
  const noted = receipt ? { receipt } : {};
  // Outside the event log too: each webhook event's id is made from this SES event, so a retry
  // (or SES's second copy) queues the same one, kept once.
  await emitEmailEvent(deps, event);
  // Sends, rejects, delays: nothing else to act on, so nothing to remember either.
  if (!ACTED_ON.has(event.eventType)) return { duplicate: false, suppressed: [], ...noted };
  const key = eventKey(event);
  const now = deps.clock.now();
  const attempt = randomUUID();
  const start = await deps.events.begin(
    key,
    attempt,
    now,
    new Date(now.getTime() - EVENT_STALE_MS),
  );
  if (start === 'done') return { duplicate: true, suppressed: [], ...noted };
  // Another delivery of this event is being handled right now: fail, so this one is retried (or
  // kept as a dead letter) rather than dropped on the chance that the other fails.
  if (start === 'busy') throw new EventBusyError(key);
  // A failure leaves the key `applying` and gives it up, so the retry takes it over (if even that
  // write fails, once it is stale). Suppressions are idempotent, so a retried bounce is safe; an
  // engagement counter the failed attempt had already added to may count the event twice.
  let outcome: Omit<EventOutcome, 'duplicate'>;
  try {
    outcome = await apply(deps, event, now);
  } catch (error) {
    await deps.events.abandon(key, attempt).catch(() => undefined);
    throw error;
  }
  await deps.events.finish(key, attempt);
  return { duplicate: false, ...outcome, ...noted };
}

function receiptOf(deps: EventDeps, event: SesEvent): Promise<ReceiptOutcome> | undefined {
  if (!ACCEPTED.has(event.eventType)) return undefined;
  const at = Date.parse(event.mail.timestamp ?? '');
  const receipt = receiptIn(event.mail.tags, {
    messageId: event.mail.messageId,
    at: Number.isNaN(at) ? deps.clock.now() : new Date(at),
    proof: event.eventType,
  });
  return receipt && applyReceipt(deps, receipt);
}

/** Longer than one handling of an event can take (the function's timeout is 30 s). */
export const EVENT_STALE_MS = 60_000;

export class EventBusyError extends Error {
  override readonly name = 'EventBusyError';
  constructor(readonly key: string) {
    super(`SES event ${key} is being handled by another attempt; retry later`);
  }
}

async function apply(
  deps: EventDeps,
  event: SesEvent,
  now: Date,
): Promise<Omit<EventOutcome, 'duplicate'>> {
  const issueId = event.mail.tags.issue?.[0];
  const suppressed: string[] = [];
  const count = async (field: keyof Engagement) => {
    if (issueId) await deps.issues.addEngagement(issueId, { [field]: 1 });
    return field;
  };
  switch (event.eventType) {
    case 'Bounce': {
      const bounce = event.bounce!;
      for (const { emailAddress } of bounce.bouncedRecipients) {
        const email = normalized(emailAddress);
        if (!email) continue;
        if (bounce.bounceType === 'Permanent') {
          await suppress(deps, email, 'bounce', 'bounced', now);
          suppressed.push(email);
        } else if (await countSoftBounce(deps, email, now)) {
          suppressed.push(email);
        }
      }
      return { suppressed, engagement: await count('bounced') };
    }
    case 'Complaint':
      for (const { emailAddress } of event.complaint?.complainedRecipients ?? []) {
        const email = normalized(emailAddress);
        if (!email) continue;
        await suppress(deps, email, 'complaint', 'complained', now);
        suppressed.push(email);
      }
      return { suppressed, engagement: await count('complained') };
    case 'Delivery':
      await clearSoftBounces(deps, event.mail.destination);
      await recordDelivery(deps, event, now);
      return { suppressed, engagement: await count('delivered') };
    case 'Open':
    case 'Click': {
      const interaction = interactionOf(event, now);
      if (!interaction)
        return { suppressed, engagement: await count(OPEN_OR_CLICK[event.eventType]) };
      return { suppressed, engagement: await countInteraction(deps, interaction) };
    }
    default:
      return { suppressed };
  }
}

const OPEN_OR_CLICK = { Open: 'opened', Click: 'clicked' } as const;

/** The issue's reader this event is about: one recipient, an issue's tag. */
function readerOf(event: SesEvent) {
  const issueId = event.mail.tags.issue?.[0];
  const email =
    event.mail.destination.length === 1 ? normalized(event.mail.destination[0]!) : undefined;
  return issueId && email ? { issueId, subscriberId: subscriberIdFor(email) } : undefined;
}

const dateOr = (value: string | undefined, fallback?: Date) => {
  const at = Date.parse(value ?? '');
  return Number.isNaN(at) ? fallback : new Date(at);
};

async function recordDelivery(deps: EventDeps, event: SesEvent, now: Date) {
  const reader = readerOf(event);
  if (reader)
    await deps.engagement.delivered(
      reader.issueId,
      reader.subscriberId,
      dateOr(event.delivery?.timestamp, now)!,
    );
}

function interactionOf(event: SesEvent, now: Date) {
  const reader = readerOf(event);
  if (!reader) return undefined;
  const detail = event.eventType === 'Open' ? event.open : event.click;
  return {
    kind: event.eventType as 'Open' | 'Click',
    ...reader,
    at: dateOr(detail?.timestamp, now)!,
    sentAt: dateOr(event.mail.timestamp),
    link: event.click?.link,
    userAgent: detail?.userAgent,
    variant: event.mail.tags.variant?.[0],
  };
}

async function suppress(
  deps: EventDeps,
  email: string,
  reason: 'bounce' | 'complaint',
  state: 'bounced' | 'complained',
  now: Date,
) {
  await deps.suppressions.suppress(email, reason, now);
  const at = now.toISOString();
  await mutateSubscriber(deps.subscribers, subscriberIdFor(email), (current) =>
    current.state === state ? undefined : { ...current, state, updatedAt: at, suppressedAt: at },
  );
}

/** True when this soft bounce was one too many and the address is now suppressed. */
async function countSoftBounce(deps: EventDeps, email: string, now: Date): Promise<boolean> {
  const outcome = await mutateSubscriber(deps.subscribers, subscriberIdFor(email), (current) => ({
    ...current,
    softBounces: (current.softBounces ?? 0) + 1,
    updatedAt: now.toISOString(),
  }));
  if ((outcome?.subscriber.softBounces ?? 0) < SOFT_BOUNCE_LIMIT) return false;
  await suppress(deps, email, 'bounce', 'bounced', now);
  return true;
}

/** A delivery proves the mailbox works again: soft bounces count in a row. */
async function clearSoftBounces(deps: EventDeps, destination: string[]) {
  for (const address of destination) {
    const email = normalized(address);
    if (!email) continue;
    await mutateSubscriber(deps.subscribers, subscriberIdFor(email), (current) =>
      current.softBounces ? { ...current, softBounces: 0 } : undefined,
    );
  }
}

function normalized(address: string): string | undefined {
  const checked = normalizeEmail(address.replace(/^.*<([^>]+)>.*$/, '$1'));
  return checked.ok ? checked.email : undefined;
}

/** The same SES event, however often and under whatever envelope it arrives, has one key. */
export function eventKey(event: SesEvent): string {
  const detail = event.bounce ?? event.complaint ?? event.delivery ?? event.open ?? event.click;
  const who = [
    ...(event.bounce?.bouncedRecipients ?? []),
    ...(event.complaint?.complainedRecipients ?? []),
  ]
    .map((r) => r.emailAddress)
    .sort();
  return createHash('sha256')
    .update(
      JSON.stringify([
        event.eventType,
        event.mail.messageId,
        detail?.timestamp ?? null,
        who,
        event.click?.link ?? null,
      ]),
    )
    .digest('base64url');
}
