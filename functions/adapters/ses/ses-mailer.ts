import type { SESClientConfig } from '@aws-sdk/client-ses';
import {
  MailFailure,
  MailFailureKinds,
  type Mailer,
  type OutgoingMessage,
} from '../../core/ports.js';
import type { Logger } from '../../logger.js';
import { MimeComposer } from './mime.js';
import type { SesTransport } from './ses-transport.js';

export type SesMailerOptions = {
  from: { name: string; address: string };
  replyTo?: string;
  /** SES configuration set whose event destination publishes bounces, complaints, deliveries. */
  configurationSet?: string;
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
 * The call itself is one signed POST (ses-transport.ts), not the SDK's middleware stack; the SDK
 * client supplies its credentials and region. It is loaded on the first send, not when the
 * function starts: pages never send, and loading the client is ~35 ms of the public API's cold
 * start (the runtime provides the SDK, so it is a dynamic import of a module beside the bundle,
 * not a second bundle).
 */
export class SesMailer implements Mailer {
  private client?: Promise<SesTransport>;
  private readonly composed = new WeakMap<OutgoingMessage, Buffer>();
  private readonly composer: MimeComposer;

  constructor(private readonly options: SesMailerOptions) {
    this.composer = new MimeComposer({ from: options.from, replyTo: options.replyTo });
  }

  private ses() {
    if (!this.client) {
      const loading = (async () => {
        const { SESClient } = await import('@aws-sdk/client-ses');
        const { SesTransport } = await import('./ses-transport.js');
        const config = { maxAttempts: 1, ...this.options.clientConfig };
        return new SesTransport(new SESClient(config), config);
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
    let ses: SesTransport;
    try {
      ses = await this.ses();
    } catch (error) {
      throw new MailFailure(
        MailFailureKinds.transient,
        `the SES client could not be loaded: ${(error as Error).message}`,
        { cause: error },
      );
    }
    let messageId: string;
    try {
      const result = await ses.sendRawEmail({
        raw,
        configurationSet: this.options.configurationSet,
        tags: Object.entries(message.tags ?? {}).map(([Name, Value]) => ({ Name, Value })),
      });
      messageId = result.MessageId ?? '';
    } catch (error) {
      throw classifySesError(error);
    }
    // A success without a message id is not SES's answer (a proxy, a truncated body): it proves nothing.
    if (!messageId)
      throw new MailFailure(MailFailureKinds.unknown, 'SES answered without a message id');
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

/** Refusals that every message would meet: nothing can be sent until an operator acts. */
const SENDING_STOPPED =
  /AccountSendingPaused|ConfigurationSetSendingPaused|ConfigurationSetDoesNotExist|MailFromDomainNotVerified|account.*(suspended|paused)/i;
/** Refusals of the request's credentials or signature: the same for every message. */
const NOT_AUTHORISED =
  /InvalidClientTokenId|SignatureDoesNotMatch|IncompleteSignature|MissingAuthenticationToken|AccessDenied|RequestExpired|UnrecognizedClient|ExpiredToken|NotAuthorized/;
/** Errors raised before a byte of the request left: the connection was never made. */
const NEVER_CONNECTED = /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH/;

/**
 * Maps SES's answers onto what the send pipeline must do next, by what each answer proves about
 * the message (the table and its sources are in docs/sending.md, "What each SES answer proves").
 * Only an answer that proves SES did not take the message may lead to a retry or a release; a
 * 5xx, a timeout, a reset, or anything else that proves nothing is `unknown`, never resent.
 */
export function classifySesError(error: unknown): MailFailure {
  const e = error as Error & { $metadata?: { httpStatusCode?: number }; code?: string };
  const name = e?.name ?? '';
  const text = `${name} ${e?.message ?? ''}`;
  const status = e?.$metadata?.httpStatusCode;
  const fail = (kind: (typeof MailFailureKinds)[keyof typeof MailFailureKinds]) =>
    new MailFailure(kind, `${name}: ${e?.message ?? 'unknown error'}`, { cause: error });
  if (status !== undefined && status >= 400 && status < 500) {
    // SES's documented refusals: "the call returns an error and does not send the email".
    if (/Daily message quota exceeded/i.test(text)) return fail(MailFailureKinds.quotaExceeded);
    if (/Throttl|Maximum sending rate exceeded|TooManyRequests/i.test(text) || status === 429)
      return fail(MailFailureKinds.throttled);
    if (SENDING_STOPPED.test(text) || NOT_AUTHORISED.test(text) || status === 403)
      return fail(MailFailureKinds.accountPaused);
    return fail(MailFailureKinds.rejected);
  }
  if (status === undefined && neverConnected(e)) return fail(MailFailureKinds.transient);
  return fail(MailFailureKinds.unknown);
}

/** A refused connection, or a connect timeout: the request was never written. */
function neverConnected(e: Error & { code?: string }) {
  if (NEVER_CONNECTED.test(`${e?.code ?? ''} ${e?.message ?? ''}`)) return true;
  // The connect timeout (aws/signed-post.ts, worded as the SDK's node handler words it).
  return e?.name === 'TimeoutError' && /did not establish a connection/.test(e.message);
}
