import type { DeliveryLedger, LedgerEntry } from '../../core/ports.js';

export class MemoryLedger implements DeliveryLedger {
  readonly entries = new Map<string, LedgerEntry>();

  async claim(issueId: string, subscriberId: string, at: Date) {
    const key = `${issueId}/${subscriberId}`;
    const existing = this.entries.get(key);
    if (existing && existing.status !== 'failed') return { ...existing };
    this.entries.set(key, { issueId, subscriberId, status: 'claimed', claimedAt: at.toISOString() });
    return 'claimed' as const;
  }

  async markSent(issueId: string, subscriberId: string, messageId: string, at: Date) {
    const entry = this.entries.get(`${issueId}/${subscriberId}`)!;
    Object.assign(entry, { status: 'sent', messageId, sentAt: at.toISOString() });
  }

  async markFailed(issueId: string, subscriberId: string, reason: string) {
    const entry = this.entries.get(`${issueId}/${subscriberId}`)!;
    Object.assign(entry, { status: 'failed', failure: reason });
  }
}
