import type { AuditEntry, AuditLog } from '../../../functions/core/access/audit.js';

/** The audit trail in an array, newest last; read newest first, as the DynamoDB one is. */
export class MemoryAuditLog implements AuditLog {
  readonly entries: AuditEntry[] = [];

  async record(entry: AuditEntry): Promise<void> {
    this.entries.push({ ...entry });
  }

  async recent(limit: number, now: Date): Promise<AuditEntry[]> {
    const yearBefore = new Date(now.getTime() - 366 * 86_400_000).toISOString();
    return [...this.entries]
      .filter((e) => e.at >= yearBefore && e.at <= now.toISOString())
      .sort((a, b) => b.at.localeCompare(a.at))
      .slice(0, limit);
  }
}
