import type { SenderRegistry } from '../../../functions/core/delivery/deps.js';

export class MemorySenderRegistry implements SenderRegistry {
  readonly senders = new Map<string, number>();

  async beat(senderId: string, now: Date, until: Date) {
    this.senders.set(senderId, until.getTime());
    return [...this.senders.values()].filter((liveUntil) => liveUntil > now.getTime()).length;
  }

  async leave(senderId: string) {
    this.senders.delete(senderId);
  }
}
