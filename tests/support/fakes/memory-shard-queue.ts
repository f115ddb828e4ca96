import type { ShardQueue, ShardWork } from '../../../functions/core/delivery/fleet.js';

/** The fleet's queue for unit tests: what was queued, in order, to take as a sender would. */
export class MemoryShardQueue implements ShardQueue {
  readonly queued: ShardWork[] = [];

  async enqueue(work: ShardWork[]) {
    this.queued.push(...work.map((w) => ({ ...w })));
  }

  /** Everything queued so far, leaving the queue empty. */
  take(): ShardWork[] {
    return this.queued.splice(0);
  }
}
