import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { invalidInput } from '../../core/errors.js';
import type { Page, SubscriberListQuery } from '../../core/ports.js';
import { SubscriberStates, type Subscriber } from '../../core/subscribers/subscriber.js';
import { translateDynamoError } from './client.js';
import { fromItem, LIST_PARTS, listPartition } from './dynamo-subscribers.js';
import { tableKeys } from './table.js';

/**
 * Queries one request may make: a state's 4 parts (or all 20) at once, then refills. A filter on
 * a topic or frequency that matches few readers is where it runs out: the page is then short and
 * has a cursor, so the next request goes on from where this one knew everything.
 */
const MAX_QUERIES = 60;
/** Items one refill Query reads when a filter may throw most of them away (DynamoDB caps it at 1 MB). */
const FILTERED_READ = 500;
/** Past every character an address can hold: the end of a prefix's range. */
const HIGHEST = '\u{10FFFF}';

type Row = { sk: string; subscriber: Subscriber };
/** One index partition, read in address order: its matches so far, and how far it was read. */
type Stream = {
  state: string;
  partition: string;
  rows: Row[];
  start?: Record<string, unknown>;
  /** The sort key of the last item read (matching or not); everything up to it is known. */
  position?: string;
  done: boolean;
};

/**
 * A page of subscribers from the listing index (GSI3), never a Scan: one Query per partition of
 * each state asked for, merged in address order. A partition's matches are only taken up to where
 * every partition still open has been read (`bound`), so nothing is skipped; partitions behind
 * the page's end are read again until `limit` matches are certain or the budget is spent. The
 * cursor is the last address returned: the next page is the Queries' `GSI3SK > cursor`.
 */
export async function listSubscribers(
  client: DynamoDBDocumentClient,
  tableName: string,
  query: SubscriberListQuery,
  /** The read sizes and budget: smaller in a test, to see refills and spent budgets on few readers. */
  plan = { filteredRead: FILTERED_READ, maxQueries: MAX_QUERIES },
): Promise<Page<Subscriber>> {
  const limit = query.limit ?? 100;
  const after = decodeCursor(query.cursor);
  const prefix = query.prefix?.trim().toLowerCase() || undefined;
  const contains = query.contains?.trim().toLowerCase() || undefined;
  const filtered =
    query.topic !== undefined || query.frequency !== undefined || contains !== undefined;
  const states = query.state ? [query.state] : Object.values(SubscriberStates);
  const streams: Stream[] = states.flatMap((state) =>
    Array.from({ length: LIST_PARTS }, (_, part) => ({
      state,
      partition: listPartition(state, part),
      rows: [],
      done: false,
    })),
  );
  let queries = 0;
  const matches = (s: Subscriber, stream: Stream) =>
    // The index is eventually consistent: a reader who just changed may be seen in both places.
    s.state === stream.state &&
    (query.topic === undefined || s.topics.includes(query.topic)) &&
    (query.frequency === undefined || s.frequency === query.frequency) &&
    (prefix === undefined || s.email.toLowerCase().startsWith(prefix)) &&
    (contains === undefined || s.email.toLowerCase().includes(contains));
  const read = async (stream: Stream) => {
    queries++;
    const keys = keyCondition(tableName, stream.partition, prefix, after);
    const filter = filterOf(query);
    const { Items = [], LastEvaluatedKey } = await client
      .send(
        new QueryCommand({
          ...keys,
          ...filter,
          ExpressionAttributeValues: { ...keys.ExpressionAttributeValues, ...filter.values },
          Limit: filtered ? plan.filteredRead : limit,
          ExclusiveStartKey: stream.start,
        }),
      )
      .catch(translateDynamoError);
    for (const item of Items) {
      const sk = item[tableKeys.listSortKey] as string;
      const subscriber = fromItem(item);
      if ((after === undefined || compare(sk, after) > 0) && matches(subscriber, stream))
        stream.rows.push({ sk, subscriber });
    }
    stream.start = LastEvaluatedKey;
    stream.position = LastEvaluatedKey?.[tableKeys.listSortKey] as string | undefined;
    stream.done = !LastEvaluatedKey;
  };

  await Promise.all(streams.map(read));
  for (;;) {
    const open = streams.filter((s) => !s.done);
    const bound = lowest(open.map((s) => s.position!));
    const rows = streams.flatMap((s) => s.rows).sort((a, b) => compare(a.sk, b.sk));
    const known = bound === undefined ? rows : rows.filter((r) => compare(r.sk, bound) <= 0);
    if (known.length >= limit || open.length === 0 || queries >= plan.maxQueries) {
      const page = known.slice(0, limit);
      const last = page.at(-1)?.sk;
      const more = rows.length > page.length || open.length > 0;
      const cursor = page.length === limit ? (more ? last : undefined) : bound;
      return { items: page.map((r) => r.subscriber), cursor: encodeCursor(cursor) };
    }
    // Only partitions read to before the page's end can still hold matches that belong on it.
    const end = rows[limit - 1]?.sk;
    const behind = open.filter((s) => end === undefined || compare(s.position!, end) < 0);
    await Promise.all(behind.slice(0, plan.maxQueries - queries).map(read));
  }
}

function keyCondition(
  tableName: string,
  partition: string,
  prefix: string | undefined,
  after: string | undefined,
) {
  const values: Record<string, string> = { ':pk': partition };
  let range = '';
  if (prefix !== undefined) {
    // From the cursor (or the prefix) to the end of the prefix: BETWEEN is inclusive, and the
    // row equal to the cursor is dropped where rows are read.
    values[':from'] = after !== undefined && compare(after, prefix) > 0 ? after : prefix;
    values[':to'] = prefix + HIGHEST;
    range = ` AND ${tableKeys.listSortKey} BETWEEN :from AND :to`;
  } else if (after !== undefined) {
    values[':after'] = after;
    range = ` AND ${tableKeys.listSortKey} > :after`;
  }
  return {
    TableName: tableName,
    IndexName: tableKeys.listIndex,
    KeyConditionExpression: `${tableKeys.listPartitionKey} = :pk${range}`,
    ExpressionAttributeValues: values,
  };
}

/**
 * Topic and frequency are filters on a state's partitions; `read` checks them again, cheaply.
 * Text in the address is checked only there: a filter may not name the index's sort key (the
 * lower-case address), and the stored address keeps its case. A filter saves no read capacity
 * anyway, only bytes on the wire.
 */
function filterOf(query: SubscriberListQuery) {
  const tests: string[] = [];
  const values: Record<string, string> = {};
  if (query.topic !== undefined) {
    tests.push('contains(#topics, :topic)');
    values[':topic'] = query.topic;
  }
  if (query.frequency !== undefined) {
    tests.push('#frequency = :frequency');
    values[':frequency'] = query.frequency;
  }
  if (tests.length === 0) return { values };
  const names = [
    query.topic !== undefined && 'topics',
    query.frequency !== undefined && 'frequency',
  ];
  return {
    FilterExpression: tests.join(' AND '),
    ExpressionAttributeNames: Object.fromEntries(
      names.filter((n): n is string => typeof n === 'string').map((n) => [`#${n}`, n]),
    ),
    values,
  };
}

/** DynamoDB orders strings by their UTF-8 bytes; so must the merge. */
const compare = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));
const lowest = (keys: string[]) =>
  keys.reduce<string | undefined>(
    (low, k) => (low === undefined || compare(k, low) < 0 ? k : low),
    undefined,
  );

const encodeCursor = (after: string | undefined) =>
  after === undefined ? undefined : Buffer.from(JSON.stringify({ after })).toString('base64url');

/**
 * A cursor comes back from a URL, so it is checked: an address position this list gave out, or a
 * 422 on `cursor` (unchecked, garbage would be a JSON SyntaxError or a ValidationException: a 500).
 */
function decodeCursor(cursor: string | undefined): string | undefined {
  if (!cursor) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString());
  } catch {
    parsed = undefined;
  }
  const after = (parsed as { after?: unknown } | undefined)?.after;
  const valid =
    typeof parsed === 'object' &&
    parsed !== null &&
    Object.keys(parsed).join() === 'after' &&
    typeof after === 'string' &&
    after.length <= 700 &&
    /.#[A-Za-z0-9_-]{1,256}$/.test(after);
  if (!valid)
    throw invalidInput([{ field: 'cursor', message: 'is not a page cursor this list gave out' }]);
  return after as string;
}
