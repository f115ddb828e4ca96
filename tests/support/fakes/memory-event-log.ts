import type { EventLog, EventStart } from '../../../functions/core/ports.js';

type Entry = { status: 'applying' | 'applied'; attempt?: string; at: Date };

export class MemoryEventLog implements EventLog {
  readonly entries = new Map<string, Entry>();

  async begin(key: string, attempt: string, at: Date, staleBefore: Date): Promise<EventStart> {
    const entry = this.entries.get(key);
    if (entry?.status === 'applied') return 'done';
    if (entry && entry.attempt !== attempt && entry.at >= staleBefore) return 'busy';
    this.entries.set(key, { status: 'applying', attempt, at });
    return 'go';
  }

  async abandon(key: string, attempt: string) {
    const entry = this.entries.get(key);
    if (entry?.status === 'applying' && entry.attempt === attempt)
      this.entries.set(key, { ...entry, at: new Date(0) });
  }

  async finish(key: string, attempt: string) {
    const entry = this.entries.get(key);
    if (entry?.attempt === attempt) this.entries.set(key, { status: 'applied', at: entry.at });
  }
}
