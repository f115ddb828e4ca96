import type {
  Context,
  DynamoDBBatchResponse,
  DynamoDBRecord,
  DynamoDBStreamEvent,
} from 'aws-lambda';
import { buildOutboxDeps, parseConfig } from '../config.js';
import { deliverWoken, type Wake } from '../core/outbox/drain.js';
import { createLogger } from '../logger.js';
import { perConfiguration } from './per-configuration.js';

const logger = createLogger();
const outboxDeps = perConfiguration(() => buildOutboxDeps(parseConfig(process.env), logger));

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
  const { result, failedKey } = await deliverWoken(await outboxDeps(), wakes, deadline);
  logger.info('outbox woken', { records: event.Records.length, ...result, failedKey });
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
  return [{ holder, id, to, entryId: entry.id.S, dueAt: entry.dueAt.S, key }];
}
