import type { SESClient, SESClientConfig } from '@aws-sdk/client-ses';
import {
  MailFailure,
  MailFailureKinds,
  type Mailer,
  type OutgoingMessage,
} from '../../core/ports.js';
import type { Logger } from '../../logger.js';
import { MimeComposer } from './mime.js';

export type SesMailerOptions = {
  from: { name: string; address: string };
  replyTo?: string;
  /** SES configuration set whose event destination publishes bounces, complaints, deliveries. */
  configurationSet?: string;
  client?: SESClient;
  clientConfig?: SESClientConfig;
  /** Called with every accepted message's raw MIME (the local outbox keeps a copy). */
  archive?: (messageId: string, raw: Buffer) => Promise<void>;
  /** Where a failed archive copy is reported: it must not fail the send. */
  logger: Pick<Logger, 'error'>;
};

/**
 * Builds the MIME (see mime.ts) and sends it with SES `SendRawEmail`.
 *
 * The SDK's own retries are off (`maxAttempts: 1`): a retried request after a timeout can deliver
 * a message twice, and only the domain, which keeps the ledger, may decide to try again.
 *
 * The SES SDK is loaded on the first send, not when the function starts: pages never send, and
 * loading the client is ~35 ms of the public API's cold start (the runtime provides the SDK, so
 * it is a dynamic import of a module beside the bundle, not a second bundle).
 */
export class SesMailer implements Mailer {
  private client?: Promise<{
    client: SESClient;
    SendRawEmailCommand: typeof import('@aws-sdk/client-ses').SendRawEmailCommand;
  }>;
  private readonly composed = new WeakMap<OutgoingMessage, Buffer>();
  private readonly composer: MimeComposer;

  constructor(private readonly options: SesMailerOptions) {
    this.composer = new MimeComposer({ from: options.from, replyTo: options.replyTo });
  }

  private ses() {
    if (!this.client) {
      const loading = (async () => {
        const { SESClient, SendRawEmailCommand } = await import('@aws-sdk/client-ses');
        return {
          client:
            this.options.client ?? new SESClient({ maxAttempts: 1, ...this.options.clientConfig }),
          SendRawEmailCommand,
        };
      })();
      // A failed load is not kept: the next send tries again rather than failing for the container's life.
      loading.catch(() => {
        if (this.client === loading) this.client = undefined;
      });
      this.client = loading;
    }
    return this.client;
  }

  /**
   * Everything that can fail before SES is called says so as a MailFailure: SES never had the
   * message, so the pipeline may release its claim or retry, instead of leaving it unknown.
   */
  async send(message: OutgoingMessage): Promise<{ messageId: string }> {
    // A retried message (after throttling) is the same message: compose its MIME once.
    let raw = this.composed.get(message);
    if (!raw) {
      try {
        raw = this.compose(message);
      } catch (error) {
        throw new MailFailure(
          MailFailureKinds.rejected,
          `the message could not be written: ${(error as Error).message}`,
          { cause: error },
        );
      }
      this.composed.set(message, raw);
    }
    let sdk: Awaited<ReturnType<SesMailer['ses']>>;
    try {
      sdk = await this.ses();
    } catch (error) {
      throw new MailFailure(
        MailFailureKinds.transient,
        `the SES client could not be loaded: ${(error as Error).message}`,
        { cause: error },
      );
    }
    let messageId: string;
    try {
      const result = await sdk.client.send(
        new sdk.SendRawEmailCommand({
          RawMessage: { Data: raw },
          ConfigurationSetName: this.options.configurationSet,
          Tags: Object.entries(message.tags ?? {}).map(([Name, Value]) => ({ Name, Value })),
        }),
      );
      messageId = result.MessageId ?? '';
    } catch (error) {
      throw classifySesError(error);
    }
    // SES has the message: a failed local copy must not turn a send into a failure.
    await this.options
      .archive?.(messageId, raw)
      .catch((error) =>
        this.options.logger.error('outbox: could not keep a copy', { messageId, error }),
      );
    return { messageId };
  }

  /** The exact bytes SES receives: multipart/alternative (text + HTML) with the list headers. */
  compose(message: OutgoingMessage): Buffer {
    return this.composer.compose(message);
  }
}

/** Maps SES's answers onto what the send pipeline must do next. */
export function classifySesError(error: unknown): MailFailure {
  const e = error as Error & { $metadata?: { httpStatusCode?: number }; Code?: string };
  const name = e?.name ?? '';
  const text = `${name} ${e?.message ?? ''}`;
  const status = e?.$metadata?.httpStatusCode;
  const fail = (kind: (typeof MailFailureKinds)[keyof typeof MailFailureKinds]) =>
    new MailFailure(kind, `${name}: ${e?.message ?? 'unknown error'}`, { cause: error });
  if (/Daily message quota exceeded/i.test(text)) return fail(MailFailureKinds.quotaExceeded);
  if (/AccountSendingPaused|account.*(suspended|paused)/i.test(text))
    return fail(MailFailureKinds.accountPaused);
  if (/Throttl|Maximum sending rate exceeded|TooManyRequests/i.test(text))
    return fail(MailFailureKinds.throttled);
  if (status !== undefined && status >= 500) return fail(MailFailureKinds.transient);
  if (status !== undefined && status >= 400) return fail(MailFailureKinds.rejected);
  // No HTTP answer at all (timeout, reset): SES may have taken the message.
  return fail(MailFailureKinds.unknown);
}
