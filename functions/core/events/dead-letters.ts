/**
 * SES events that could not be handled, kept until an operator replays them. On AWS they are
 * messages in an SQS queue (infra/dead-letters.ts), in one of two envelopes: Lambda's on-failure
 * destination wraps the invocation in a record (`requestPayload` is the event), EventBridge's
 * rule-target dead-letter queue carries the event itself. Locally they are files. Either way a
 * letter reads back as the EventBridge event that failed.
 */

/** The EventBridge event as the `ses-events` function receives it. */
export type SesEventEnvelope = {
  id: string;
  'detail-type': string;
  source: string;
  time?: string;
  detail: unknown;
};

export type DeadLetter = {
  /** The store's own id for the letter (an SQS message id, a file name). */
  id: string;
  event: SesEventEnvelope;
  reason: string;
  failedAt?: string;
  /** What `delete` needs (an SQS receipt handle); opaque to callers. */
  handle: string;
};

export interface DeadLetters {
  put(event: SesEventEnvelope, reason: string, at: Date): Promise<void>;
  /** Up to `limit` letters (SQS hides those it hands out for a while; files are all listed). */
  list(limit?: number): Promise<DeadLetter[]>;
  delete(letter: DeadLetter): Promise<void>;
  count(): Promise<number>;
}

type Unwrapped = Omit<DeadLetter, 'id' | 'handle'>;

/** Lambda's on-failure destination record, as much of it as tells what failed and why. */
type InvocationRecord = {
  timestamp?: string;
  requestContext?: { condition?: string };
  requestPayload: unknown;
  responsePayload?: { errorType?: string; errorMessage?: string } | null;
};

const isEvent = (value: unknown): value is SesEventEnvelope =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as SesEventEnvelope).id === 'string' &&
  typeof (value as SesEventEnvelope).source === 'string' &&
  'detail' in value;

/**
 * The event inside a dead letter's body, whichever envelope it came in; `attributes` are the
 * message attributes EventBridge adds to a rule-target dead letter (ERROR_CODE, ERROR_MESSAGE).
 * Undefined when the body is neither.
 */
export function unwrapDeadLetter(
  body: unknown,
  attributes: Record<string, string | undefined> = {},
): Unwrapped | undefined {
  if (typeof body === 'object' && body !== null && 'requestPayload' in body) {
    const record = body as InvocationRecord;
    if (!isEvent(record.requestPayload)) return undefined;
    const error = record.responsePayload;
    const reason = error?.errorMessage
      ? `${error.errorType ?? 'Error'}: ${error.errorMessage}`
      : (record.requestContext?.condition ?? 'failed');
    return { event: record.requestPayload, reason, failedAt: record.timestamp };
  }
  if (!isEvent(body)) return undefined;
  const reason = [attributes.ERROR_CODE, attributes.ERROR_MESSAGE].filter(Boolean).join(': ');
  return { event: body, reason: reason || 'not delivered to the function' };
}

/** Lambda's on-failure record for an invocation that failed, as AWS writes it to the queue. */
export function invocationRecord(event: SesEventEnvelope, error: Error, at: Date) {
  return {
    version: '1.0',
    timestamp: at.toISOString(),
    requestContext: { condition: 'RetriesExhausted', approximateInvokeCount: 3 },
    requestPayload: event,
    responseContext: { statusCode: 200, functionError: 'Unhandled' },
    responsePayload: { errorType: error.name, errorMessage: error.message },
  };
}

export type ReplayReport = {
  replayed: { id: string; eventId: string; duplicate: boolean; suppressed: string[] }[];
  failed: { id: string; eventId: string; reason: string }[];
};

/**
 * Hands each letter's event to the handler and deletes the letter only once it was handled; a
 * letter whose event fails again stays for the next replay. The handler is idempotent on the
 * event, so a letter replayed twice (or an event both retried and dead-lettered) changes nothing.
 */
export async function replayDeadLetters(
  letters: DeadLetters,
  handle: (event: SesEventEnvelope) => Promise<{ duplicate: boolean; suppressed: string[] }>,
): Promise<ReplayReport> {
  const report: ReplayReport = { replayed: [], failed: [] };
  // A letter that fails again is listed again (a file at once, an SQS message once it is
  // visible again): each is tried once per replay, and the replay ends when nothing new comes.
  const seen = new Set<string>();
  for (;;) {
    const page = (await letters.list()).filter((letter) => !seen.has(letter.id));
    if (page.length === 0) return report;
    for (const letter of page) {
      seen.add(letter.id);
      try {
        const outcome = await handle(letter.event);
        await letters.delete(letter);
        report.replayed.push({ id: letter.id, eventId: letter.event.id, ...outcome });
      } catch (error) {
        report.failed.push({
          id: letter.id,
          eventId: letter.event.id,
          reason: (error as Error).message,
        });
      }
    }
  }
}
