import type { SuppressionList, SuppressionReason } from '../../../functions/core/ports.js';

export class MemorySuppressionList implements SuppressionList {
  readonly entries = new Map<string, { reason: SuppressionReason; at: string }>();
  async suppress(email: string, reason: SuppressionReason, at: Date) {
    if (!this.entries.has(email)) this.entries.set(email, { reason, at: at.toISOString() });
  }
  async isSuppressed(email: string) {
    return this.entries.has(email);
  }
  async suppressedAmong(emails: readonly string[]) {
    return new Set(emails.filter((e) => this.entries.has(e)));
  }
  async remove(email: string) {
    this.entries.delete(email);
  }
}
