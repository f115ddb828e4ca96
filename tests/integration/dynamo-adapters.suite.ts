import { DynamoEngagementStore } from '../../functions/adapters/dynamo/dynamo-engagement.js';
import { DynamoSignupReads } from '../../functions/adapters/dynamo/dynamo-signup-reads.js';
import { DynamoSenderRegistry } from '../../functions/adapters/dynamo/dynamo-sender-registry.js';
import { randomUUID } from 'node:crypto';
import { createDocumentClient, ensureTable } from '../../functions/adapters/dynamo/client.js';
import { DynamoAuditLog } from '../../functions/adapters/dynamo/dynamo-audit-log.js';
import { DynamoEventLog } from '../../functions/adapters/dynamo/dynamo-event-log.js';
import { DynamoIssueRepository } from '../../functions/adapters/dynamo/dynamo-issues.js';
import { DynamoDeliveryLedger } from '../../functions/adapters/dynamo/dynamo-ledger.js';
import { DynamoPublicationLog } from '../../functions/adapters/dynamo/dynamo-publication-log.js';
import { DynamoRateLimiter } from '../../functions/adapters/dynamo/dynamo-rate-limiter.js';
import { DynamoOutboxStore } from '../../functions/adapters/dynamo/dynamo-outbox.js';
import { DynamoSubscriberRepository } from '../../functions/adapters/dynamo/dynamo-subscribers.js';
import { DynamoSuppressionList } from '../../functions/adapters/dynamo/dynamo-suppression-list.js';
import { DynamoSegmentStore } from '../../functions/adapters/dynamo/dynamo-segments.js';
import { DynamoWorkspaceArticleStore } from '../../functions/adapters/dynamo/dynamo-workspace-articles.js';
import type { Running } from '../../local/emulators.js';
import { describeAdapterContract } from '../support/adapter-contract.js';
import { useLocalAws } from '../support/emulators.js';
import { testSuppressionKeys } from '../support/builders.js';

/** The storage contract on the DynamoDB adapters, over a fresh table of the emulator `start` runs. */
export function describeDynamoAdapters(engine: string, start: () => Promise<Running>) {
  describeAdapterContract(engine, async () => {
    const running = await start();
    useLocalAws({ dynamodb: running.url });
    const client = createDocumentClient();
    const table = `test-${randomUUID()}`;
    await ensureTable(client, table);
    await ensureTable(client, table); // idempotent: the local stack calls it at every start
    return {
      adapters: {
        subscribers: new DynamoSubscriberRepository(client, table),
        ledger: new DynamoDeliveryLedger(client, table),
        issues: new DynamoIssueRepository(client, table),
        suppressions: new DynamoSuppressionList(client, table, testSuppressionKeys),
        events: new DynamoEventLog(client, table),
        publications: new DynamoPublicationLog(client, table),
        rateLimiter: new DynamoRateLimiter(client, table),
        outbox: new DynamoOutboxStore(client, table),
        signupReads: new DynamoSignupReads(client, table, testSuppressionKeys),
        senders: new DynamoSenderRegistry(client, table),
        auditLog: new DynamoAuditLog(client, table),
        engagement: new DynamoEngagementStore(client, table),
        segments: new DynamoSegmentStore(client, table),
        workspaceArticles: new DynamoWorkspaceArticleStore(client, table),
      },
      close: () => running.close(),
    };
  });
}
