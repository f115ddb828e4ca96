import { outboxStream } from './outbox-stream.js';
import { dynamoTableArgs } from './table-schema.js';

const production = $app.stage === 'production';

/**
 * The one table: keys, GSI1 (sparse, projection ALL) and attribute types come from the code's own
 * table definition (infra/table-schema.ts), `expiresAt` is the TTL attribute. On-demand billing,
 * point-in-time recovery (35 days of restores). On the production stage the table survives
 * `sst remove` and cannot be deleted by accident. Its stream wakes the outbox's sender.
 */
export const table = new sst.aws.Dynamo(
  'Table',
  {
    ...dynamoTableArgs(),
    // The outbox's sender reads it (infra/outbox.ts).
    stream: outboxStream.viewType,
    deletionProtection: production,
    transform: {
      table: (args) => {
        args.pointInTimeRecovery = { enabled: true };
      },
    },
  },
  { retainOnDelete: production },
);
