import type { Mailer, OutgoingMessage } from '../../../functions/core/ports.js';

/** Keeps what the domain asked to send; `failWith` makes the next sends fail, for error paths. */
export class RecordingMailer implements Mailer {
  readonly sent: OutgoingMessage[] = [];
  failWith: ((message: OutgoingMessage) => Error | undefined) | undefined;

  async send(message: OutgoingMessage) {
    const failure = this.failWith?.(message);
    if (failure) throw failure;
    this.sent.push(message);
    return { messageId: `memory-${this.sent.length}` };
  }

  to(address: string) {
    return this.sent.filter((m) => m.to === address);
  }
}
