import type {
  Context,
  DynamoDBBatchResponse,
  DynamoDBRecord,
  DynamoDBStreamEvent,
} from 'aws-lambda';
import { buildOutboxDeps, buildWebhookSenderDeps, parseConfig } from '../config.js';
import { deliverWoken, type Wake } from '../core/outbox/drain.js';
import { drainWebhooks } from '../core/webhooks/drain.js';
import { createLogger } from '../logger.js';
import { perConfiguration } from './per-configuration.js';

const logger = createLogger();
const outboxDeps = perConfiguration(() => buildOutboxDeps(parseConfig(process.env), logger));
const webhookDeps = perConfiguration(() => buildWebhookSenderDeps(parseConfig(process.env)));

/**
 * DynamoDB Streams, filtered to items whose outbox entry is queued (infra/outbox.ts): sends each
 * woken entry within seconds of the write that queued it. The tick's sweep catches whatever a
 * record did not (an entry due later than this invocation can wait for).
 */
export async function handler(
  event: DynamoDBStreamEvent,
  context: Context,
): Promise<DynamoDBBatchResponse> {
  logger.addContext(context);
  const wakes = event.Records.flatMap(wakeOf);
  const deadline = Date.now() + context.getRemainingTimeInMillis();
  // A queued webhook delivery (infra/outbox-stream.ts, webhookFilter) wakes one drain of all that
  // are due, beside the emails; its claims make a second drain (the tick's) harmless.
  const hooked = event.Records.some((r) => r.dynamodb?.NewImage?.PK?.S?.startsWith('WEBHOOK#'));
  const [{ result, failedKey }, webhooks] = await Promise.all([
    deliverWoken(await outboxDeps(), wakes, deadline),
    hooked ? drainWebhooks(webhookDeps(), { deadline }) : undefined,
  ]);
  logger.info('outbox woken', { records: event.Records.length, ...result, failedKey, webhooks });
  return { batchItemFailures: failedKey ? [{ itemIdentifier: failedKey }] : [] };
}

/** The entry a record's new image holds; the image is read as data only: the item is re-read. */
function wakeOf(record: DynamoDBRecord): Wake[] {
  const image = record.dynamodb?.NewImage;
  const entry = image?.outbox?.M;
  const key = record.dynamodb?.SequenceNumber;
  const pk = image?.PK?.S ?? '';
  const holder = pk.startsWith('SUBSCRIBER#') ? 'subscriber' : 'message';
  const to = holder === 'subscriber' ? image?.email?.S : image?.message?.M?.to?.S;
  const id = image?.id?.S;
  if (!entry?.id?.S || !entry.dueAt?.S || !id || !to || !key) return [];
  const eventsPending = (image?.events?.L?.length ?? 0) > 0;
  return [{ holder, id, to, entryId: entry.id.S, dueAt: entry.dueAt.S, key, eventsPending }];
}
