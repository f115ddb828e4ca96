import { randomUUID } from 'node:crypto';
import type {
  ClaimDecision,
  DeliveryLedger,
  LedgerEntry,
  SendReceipt,
  SentEntry,
} from '../../../functions/core/ports.js';
import { keyOrder } from './key-order.js';

export class MemoryLedger implements DeliveryLedger {
  readonly entries = new Map<string, LedgerEntry>();

  async claim(
    deliveryKey: string,
    subscriberId: string,
    issueId: string,
    at: Date,
    previousSent?: SendReceipt,
    attempt: string = randomUUID(),
  ) {
    const key = `${deliveryKey}/${subscriberId}`;
    const existing = this.entries.get(key);
    if (existing?.status === 'claimed' && existing.attempt === attempt) return 'claimed' as const;
    if (existing && existing.status !== 'failed') return structuredClone(existing);
    this.entries.set(key, {
      deliveryKey,
      subscriberId,
      issueId,
      status: 'claimed',
      claimedAt: at.toISOString(),
      ...(previousSent && { previousSent: { ...previousSent } }),
      attempt,
    });
    return 'claimed' as const;
  }
  async markSent(deliveryKey: string, sent: SentEntry[]) {
    for (const entry of sent)
      this.entries.set(`${deliveryKey}/${entry.subscriberId}`, {
        deliveryKey,
        ...structuredClone(entry),
        status: 'sent',
      });
  }
  async findReceipt(deliveryKey: string, subscriberId: string) {
    const carrier = [...this.entries.values()]
      .filter(
        (e) =>
          e.deliveryKey === deliveryKey &&
          e.subscriberId > subscriberId &&
          e.previousSent?.subscriberId === subscriberId,
      )
      .sort((a, b) => keyOrder(a.subscriberId, b.subscriberId))[0];
    return carrier?.previousSent ? { ...carrier.previousSent } : undefined;
  }
  async markFailed(deliveryKey: string, subscriberId: string, reason: string, at: Date) {
    Object.assign(this.entries.get(`${deliveryKey}/${subscriberId}`)!, {
      status: 'failed',
      failure: reason,
      failedAt: at.toISOString(),
    });
  }
  async receivedAmong(deliveryKey: string, subscriberIds: readonly string[]) {
    const status = (id: string) => this.entries.get(`${deliveryKey}/${id}`)?.status;
    return new Set(subscriberIds.filter((id) => status(id) === 'sent' || status(id) === 'claimed'));
  }
  async history(subscriberId: string, limit = 100) {
    return [...this.entries.values()]
      .filter((e) => e.subscriberId === subscriberId && e.status === 'sent')
      .sort((a, b) => keyOrder(b.sentAt ?? '', a.sentAt ?? ''))
      .slice(0, limit);
  }
  async release(deliveryKey: string, subscriberId: string) {
    const key = `${deliveryKey}/${subscriberId}`;
    if (this.entries.get(key)?.status === 'claimed') this.entries.delete(key);
  }
  async entry(deliveryKey: string, subscriberId: string) {
    const entry = this.entries.get(`${deliveryKey}/${subscriberId}`);
    return entry && structuredClone(entry);
  }
  async resolveClaim(
    deliveryKey: string,
    subscriberId: string,
    attempt: string | undefined,
    decision: ClaimDecision,
  ) {
    const key = `${deliveryKey}/${subscriberId}`;
    const entry = this.entries.get(key);
    if (entry?.status !== 'claimed' || entry.attempt !== attempt) return false;
    if (decision.resolution === 'release') this.entries.delete(key);
    else
      Object.assign(entry, {
        status: 'sent',
        sentAt: decision.at.toISOString(),
        resolvedBy: decision.by,
        resolvedReason: decision.reason,
      });
    return true;
  }
}
