import { randomBytes } from 'node:crypto';
import { PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { namesReader, type AuditEntry, type AuditLog } from '../../core/access/audit.js';
import { readerPartition } from './table.js';
import { translateDynamoError } from './client.js';

/** Kept 400 days: a year of decisions, and the month around it. */
const KEEP_S = 400 * 86_400;
/** Months read back at most for one list: a quieter workspace shows what there is. */
const MONTHS_BACK = 13;

const month = (at: Date) => at.toISOString().slice(0, 7);

/**
 * One partition a month (`AUDIT#2026-12`), sorted by time: editors act a few hundred times a
 * month, far from any partition's limits, and the newest are one Query away.
 */
export class DynamoAuditLog implements AuditLog {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async record(entry: AuditEntry): Promise<void> {
    const at = new Date(entry.at);
    await this.client
      .send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            PK: `AUDIT#${month(at)}`,
            SK: `${entry.at}#${randomBytes(6).toString('base64url')}`,
            entity: 'audit',
            ...entry,
            // An entry about a reader joins the index under them: their erasure finds it.
            ...(entry.target &&
              namesReader(entry.action) && {
                GSI1PK: readerPartition(entry.target),
                GSI1SK: `AUDIT#${entry.at}`,
              }),
            expiresAt: Math.floor(at.getTime() / 1000) + KEEP_S,
          },
        }),
      )
      .catch(translateDynamoError);
  }

  async recent(limit: number, now: Date): Promise<AuditEntry[]> {
    const found: AuditEntry[] = [];
    const from = now;
    for (let back = 0; back < MONTHS_BACK && found.length < limit; back++) {
      const at = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth() - back, 1));
      const { Items = [] } = await this.client
        .send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: 'PK = :pk',
            ExpressionAttributeValues: { ':pk': `AUDIT#${month(at)}` },
            ScanIndexForward: false,
            Limit: limit - found.length,
          }),
        )
        .catch(translateDynamoError);
      // The item's keys and housekeeping are the table's, not the entry's.
      for (const {
        PK: _pk,
        SK: _sk,
        GSI1PK: _g,
        GSI1SK: _s,
        entity: _e,
        expiresAt: _x,
        ...entry
      } of Items)
        found.push(entry as AuditEntry);
    }
    return found;
  }
}
