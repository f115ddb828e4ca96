import type { SESClient, SESClientConfig } from '@aws-sdk/client-ses';
import { SignedPoster } from '../aws/signed-post.js';
import { SigV4Signer } from '../aws/sigv4.js';

export type RawSend = {
  raw: Buffer;
  configurationSet?: string;
  tags: { Name: string; Value: string }[];
};

/**
 * SES v1's `SendRawEmail` as one signed form POST, its answer read for the message id: what the
 * SDK's query protocol does, without its middleware stack (lean-client.ts in adapters/dynamo says
 * why; the CPU saved is in docs/performance.md, "The lean clients"). One attempt, as the mailer
 * wants. A refusal is thrown as the SDK throws it (the code as `name`, the message, the status in
 * `$metadata`), so `classifySesError` reads both alike; tests/unit/ses-answers.test.ts holds the
 * mailer to what each answer proves. The SDK client still supplies credentials and region.
 */
export class SesTransport {
  private poster?: Promise<SignedPoster>;

  constructor(
    private readonly client: SESClient,
    private readonly config: SESClientConfig = {},
  ) {}

  async sendRawEmail(send: RawSend): Promise<{ MessageId?: string }> {
    const form = [
      'Action=SendRawEmail',
      'Version=2010-12-01',
      `RawMessage.Data=${formBase64(send.raw)}`,
    ];
    if (send.configurationSet)
      form.push(`ConfigurationSetName=${encodeURIComponent(send.configurationSet)}`);
    send.tags.forEach((tag, i) => {
      form.push(`Tags.member.${i + 1}.Name=${encodeURIComponent(tag.Name)}`);
      form.push(`Tags.member.${i + 1}.Value=${encodeURIComponent(tag.Value)}`);
    });
    // A failed start (no region) is not kept: the next call tries again.
    this.poster ??= this.makePoster().catch((error: unknown) => {
      this.poster = undefined;
      throw error;
    });
    const poster = await this.poster;
    const answer = await poster.post(
      { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
      // Bytes once: the signer hashes them and the socket writes them, with no second encoding.
      Buffer.from(form.join('&'), 'latin1'),
    );
    const $metadata = { httpStatusCode: answer.status, requestId: answer.requestId, attempts: 1 };
    if (answer.status === 200) return { MessageId: tag(answer.body, 'MessageId') };
    const name = tag(answer.body, 'Code') ?? 'UnknownError';
    return Promise.reject(
      Object.assign(new Error(tag(answer.body, 'Message') ?? name), {
        name,
        $fault: answer.status >= 500 ? 'server' : 'client',
        $metadata,
      }),
    );
  }

  private async makePoster() {
    const region = await this.client.config.region();
    const handler = (this.config.requestHandler ?? {}) as {
      connectionTimeout?: number;
      requestTimeout?: number;
    };
    const credentials = this.client.config.credentials;
    // Read on the first send, as the SDK reads it.
    const endpoint =
      (typeof this.config.endpoint === 'string' ? this.config.endpoint : undefined) ??
      process.env.AWS_ENDPOINT_URL_SES ??
      process.env.AWS_ENDPOINT_URL ??
      `https://email.${region}.amazonaws.com`;
    return new SignedPoster(
      new URL(endpoint),
      new SigV4Signer(region, 'ses'),
      () => credentials({}),
      handler,
    );
  }
}

/**
 * Base64 as a form value: only `+`, `/` and `=` need escaping, and the string's own `replaceAll`
 * does that several times faster than `encodeURIComponent` scanning ~30 KB of message.
 */
const formBase64 = (raw: Buffer) =>
  raw.toString('base64').replaceAll('+', '%2B').replaceAll('/', '%2F').replaceAll('=', '%3D');

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** One element's text from SES's XML (flat, known names: no parser needed). */
function tag(xml: string, name: string): string | undefined {
  const match = new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml);
  return match?.[1]?.replace(/&(amp|lt|gt|quot|apos);/g, (_, e: string) => ENTITIES[e]!);
}
