import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SignupReads } from '../../core/ports.js';
import type { Subscriber } from '../../core/subscribers/subscriber.js';
import { translateDynamoError } from './client.js';
import { fromItem, MAX_ID_LENGTH, subscriberKey } from './dynamo-subscribers.js';
import { suppressionItemKey } from './dynamo-suppression-list.js';
import type { SuppressionKeys } from '../../core/suppression-key.js';

const MAX_ATTEMPTS = 5;

/**
 * The subscriber's record and the address's suppression in one BatchGetItem, strongly
 * consistent: a signup's reads cost one round trip, as its write does.
 */
export class DynamoSignupReads implements SignupReads {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly keys: SuppressionKeys,
  ) {}

  async read(id: string, email: string) {
    const record = subscriberKey(id);
    // The address's suppression under every key it may have been written with (suppression-key.ts).
    const suppressions = this.keys.all(email).map(suppressionItemKey);
    const suppressionPks = new Set(suppressions.map((s) => s.PK));
    let keys = id.length > MAX_ID_LENGTH ? suppressions : [record, ...suppressions];
    let stored: Subscriber | undefined;
    let suppressed = false;
    // Keys DynamoDB leaves unprocessed (throttled) are asked again, after a short wait.
    for (let attempt = 0; keys.length > 0; attempt++) {
      if (attempt >= MAX_ATTEMPTS) return translateDynamoError(throttled());
      if (attempt > 0) await new Promise((r) => setTimeout(r, 25 * 2 ** attempt));
      const { Responses, UnprocessedKeys } = await this.client
        .send(
          new BatchGetCommand({
            RequestItems: { [this.tableName]: { Keys: keys, ConsistentRead: true } },
          }),
        )
        .catch(translateDynamoError);
      for (const item of Responses?.[this.tableName] ?? []) {
        if (item.PK === record.PK) stored = fromItem(item);
        if (suppressionPks.has(item.PK as string)) suppressed = true;
      }
      keys = (UnprocessedKeys?.[this.tableName]?.Keys ?? []) as typeof keys;
    }
    return { stored, suppressed };
  }
}

function throttled() {
  return Object.assign(new Error('BatchGetItem left keys unprocessed after retries'), {
    name: 'ProvisionedThroughputExceededException',
  });
}
