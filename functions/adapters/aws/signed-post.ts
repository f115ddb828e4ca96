import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Credentials, SigV4Signer } from './sigv4.js';

export type PostTimeouts = {
  /** Milliseconds to open the connection (the SDK's `connectionTimeout`). */
  connectionTimeout?: number;
  /** Milliseconds the socket may stay silent (the SDK's `requestTimeout`). */
  requestTimeout?: number;
};

export type PostAnswer = { status: number; body: string; requestId?: string };

/**
 * One signed POST to an AWS endpoint over a kept-alive connection, with the same two timeouts the
 * SDK's node handler has (a connection not made in time, a socket silent too long: both a
 * `TimeoutError`, as the SDK names it with `throwOnRequestTimeout`). No retries here: the caller
 * knows which calls may be repeated.
 */
export class SignedPoster {
  private readonly agent: HttpAgent;
  private readonly send: typeof httpRequest;

  constructor(
    private readonly endpoint: URL,
    private readonly signer: SigV4Signer,
    private readonly credentials: () => Promise<Credentials>,
    private readonly timeouts: PostTimeouts = {},
  ) {
    const https = endpoint.protocol === 'https:';
    // The SDK's node handler keeps up to 50 sockets per host alive; so does this.
    const options = { keepAlive: true, maxSockets: 50 };
    this.agent = https ? new HttpsAgent(options) : new HttpAgent(options);
    this.send = https ? httpsRequest : httpRequest;
  }

  async post(headers: Record<string, string>, body: string | Buffer): Promise<PostAnswer> {
    const credentials = await this.credentials();
    const signed = this.signer.sign(
      { method: 'POST', host: this.endpoint.host, path: this.endpoint.pathname, headers, body },
      credentials,
    );
    signed['content-length'] = String(Buffer.byteLength(body));
    return new Promise<PostAnswer>((resolve, reject) => {
      const request = this.send(
        {
          host: this.endpoint.hostname,
          port: this.endpoint.port || undefined,
          path: this.endpoint.pathname,
          method: 'POST',
          agent: this.agent,
          headers: signed,
        },
        (response) => readAnswer(response).then(resolve, reject),
      );
      const { connectionTimeout, requestTimeout } = this.timeouts;
      if (connectionTimeout)
        request.on('socket', (socket) => {
          if (!socket.connecting) return;
          const timer = setTimeout(
            () =>
              request.destroy(
                timeoutError(`did not establish a connection in ${connectionTimeout} ms`),
              ),
            connectionTimeout,
          );
          socket.once('connect', () => clearTimeout(timer));
          request.once('close', () => clearTimeout(timer));
        });
      if (requestTimeout)
        request.setTimeout(requestTimeout, () =>
          request.destroy(timeoutError(`no answer for ${requestTimeout} ms`)),
        );
      request.once('error', reject);
      request.end(body);
    });
  }
}

function readAnswer(response: IncomingMessage): Promise<PostAnswer> {
  return new Promise((resolve, reject) => {
    let body = '';
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      body += chunk;
    });
    response.once('error', reject);
    response.once('aborted', () => reject(networkError('the answer was cut off', 'ECONNRESET')));
    response.once('end', () =>
      resolve({
        status: response.statusCode ?? 0,
        body,
        requestId: (response.headers['x-amzn-requestid'] ?? response.headers['x-amz-request-id']) as
          | string
          | undefined,
      }),
    );
  });
}

const timeoutError = (message: string) =>
  Object.assign(new Error(message), { name: 'TimeoutError', code: 'ETIMEDOUT' });
const networkError = (message: string, code: string) => Object.assign(new Error(message), { code });

const TRANSIENT_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN']);

/** An error the SDK's standard retry strategy would try again: the connection's, not the service's. */
export const isTransientNetworkError = (error: unknown) =>
  (error as Error)?.name === 'TimeoutError' ||
  TRANSIENT_CODES.has((error as { code?: string })?.code ?? '');
