import { createHash, createHmac } from 'node:crypto';

export type Credentials = {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
};

export type SignedRequest = {
  method: 'POST';
  host: string;
  /** Already URI-encoded, as sent. */
  path: string;
  /** Lower-case names; `host` and `x-amz-date` are added by the signer. */
  headers: Record<string, string>;
  /** A string is hashed as UTF-8; a Buffer as it is. */
  body: string | Buffer;
};

const hmac = (key: string | Buffer, data: string) =>
  createHmac('sha256', key).update(data).digest();
const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

/**
 * AWS Signature Version 4 for a POST with a body and no query string: what the lean DynamoDB
 * and SES calls send (lean-client.ts says why they exist). It signs every header it is given, as
 * the SDK's own signer does, and keeps the day's signing key, which the SDK derives afresh far
 * more often: four HMACs a call saved. tests/unit/sigv4.test.ts holds it to
 * `@smithy/signature-v4`'s output for the same request and time, since no local emulator checks
 * signatures and a mistake would only show on AWS.
 */
export class SigV4Signer {
  private key?: { scope: string; secret: string; value: Buffer };

  constructor(
    private readonly region: string,
    private readonly service: string,
  ) {}

  /** The request's headers, `authorization` included. `now` is for tests. */
  sign(request: SignedRequest, credentials: Credentials, now = new Date()): Record<string, string> {
    const amzDate = now.toISOString().replace(/[:-]|\.\d{3}/g, '');
    const day = amzDate.slice(0, 8);
    const headers: Record<string, string> = {
      ...request.headers,
      host: request.host,
      'x-amz-date': amzDate,
    };
    if (credentials.sessionToken) headers['x-amz-security-token'] = credentials.sessionToken;
    const names = Object.keys(headers).sort();
    const canonicalHeaders = names.map((n) => `${n}:${headers[n]!.trim()}\n`).join('');
    const signedHeaders = names.join(';');
    const canonical = `${request.method}\n${request.path}\n\n${canonicalHeaders}\n${signedHeaders}\n${sha256(request.body)}`;
    const scope = `${day}/${this.region}/${this.service}/aws4_request`;
    const toSign = `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${sha256(canonical)}`;
    const signature = createHmac('sha256', this.signingKey(scope, day, credentials))
      .update(toSign)
      .digest('hex');
    headers.authorization = `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
    return headers;
  }

  private signingKey(scope: string, day: string, credentials: Credentials): Buffer {
    const { secretAccessKey: secret } = credentials;
    if (this.key?.scope !== scope || this.key.secret !== secret) {
      const dayKey = hmac(`AWS4${secret}`, day);
      const value = hmac(hmac(hmac(dayKey, this.region), this.service), 'aws4_request');
      this.key = { scope, secret, value };
    }
    return this.key.value;
  }
}
