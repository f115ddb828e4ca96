import type { EventLog } from '../../../functions/core/ports.js';

export class MemoryEventLog implements EventLog {
  readonly keys = new Set<string>();
  async record(key: string) {
    if (this.keys.has(key)) return false;
    this.keys.add(key);
    return true;
  }
  async forget(key: string) {
    this.keys.delete(key);
  }
}
