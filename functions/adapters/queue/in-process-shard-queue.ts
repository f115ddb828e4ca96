import { randomUUID } from 'node:crypto';
import type { ShardQueue, ShardWork } from '../../core/delivery/fleet.js';

/** A message as a consumer receives it: SQS's id and body, and how often it was handed out. */
export type QueuedMessage = { messageId: string; body: string; receiveCount: number };

/**
 * The fleet's queue within one process (the local stack): what SQS does for the deployment,
 * reduced to what the fleet relies on. A message is handed to one consumer at a time; a failed
 * one is handed out again, up to `maxReceives`, then kept aside as a dead letter.
 */
export class InProcessShardQueue implements ShardQueue {
  private readonly waiting: QueuedMessage[] = [];
  private readonly wakers = new Set<() => void>();
  readonly deadLetters: QueuedMessage[] = [];
  /** Messages ever queued by `enqueue` (not redeliveries): what the fleet was handed. */
  enqueued = 0;

  constructor(private readonly maxReceives = 5) {}

  async enqueue(work: ShardWork[]) {
    this.enqueued += work.length;
    for (const w of work)
      this.waiting.push({ messageId: randomUUID(), body: JSON.stringify(w), receiveCount: 0 });
    for (const wake of this.wakers) wake();
  }

  /** The next message, once there is one or `signal` aborts (then undefined). */
  async receive(signal: AbortSignal): Promise<QueuedMessage | undefined> {
    while (!signal.aborted) {
      const message = this.waiting.shift();
      if (message) {
        message.receiveCount++;
        return message;
      }
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.wakers.delete(wake);
          signal.removeEventListener('abort', wake);
          resolve();
        };
        this.wakers.add(wake);
        signal.addEventListener('abort', wake);
      });
    }
    return undefined;
  }

  /** A message its consumer could not handle: back in the queue, or a dead letter. */
  failed(message: QueuedMessage) {
    if (message.receiveCount >= this.maxReceives) this.deadLetters.push(message);
    else this.enqueueAgain(message);
  }

  get depth() {
    return this.waiting.length;
  }

  private enqueueAgain(message: QueuedMessage) {
    this.waiting.push(message);
    for (const wake of this.wakers) wake();
  }

  /** The queues of this process by URL (`in-process://name`), so the handlers' config finds the stack's. */
  static readonly byUrl = new Map<string, InProcessShardQueue>();
}
