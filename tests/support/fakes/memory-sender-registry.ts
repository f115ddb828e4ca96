import type {
  LiveSenders,
  SenderKind,
  SenderRegistry,
} from '../../../functions/core/delivery/deps.js';

export class MemorySenderRegistry implements SenderRegistry {
  readonly senders = new Map<string, { liveUntil: number; kind: SenderKind }>();

  async beat(senderId: string, now: Date, until: Date, kind: SenderKind = 'bulk') {
    this.senders.set(senderId, { liveUntil: until.getTime(), kind });
    const live: LiveSenders = { bulk: 0, transactional: 0 };
    for (const sender of this.senders.values())
      if (sender.liveUntil > now.getTime()) live[sender.kind]++;
    return live;
  }
}
