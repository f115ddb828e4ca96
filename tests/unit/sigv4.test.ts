import { createHash, createHmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import {
  type Credentials,
  SigV4Signer,
  type SignedRequest,
} from '../../functions/adapters/aws/sigv4.js';

/** The SDK's signer needs a hash class; node's own, in its shape. */
class Sha256 {
  private readonly hash;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret ? createHmac('sha256', bytes(secret)) : createHash('sha256');
  }
  update(data: string | ArrayBuffer | ArrayBufferView) {
    this.hash.update(bytes(data));
  }
  async digest() {
    return new Uint8Array(this.hash.digest());
  }
}

const bytes = (data: string | ArrayBuffer | ArrayBufferView) =>
  typeof data === 'string'
    ? data
    : ArrayBuffer.isView(data)
      ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
      : new Uint8Array(data);

async function sdkSignature(
  request: SignedRequest,
  credentials: Credentials,
  region: string,
  service: string,
  at: Date,
) {
  // No `x-amz-content-sha256` header: an optional one that DynamoDB and SES do not need.
  const signer = new SignatureV4({
    credentials,
    region,
    service,
    sha256: Sha256,
    applyChecksum: false,
  });
  const signed = await signer.sign(
    {
      method: request.method,
      protocol: 'https:',
      hostname: request.host.split(':')[0]!,
      port: request.host.includes(':') ? Number(request.host.split(':')[1]) : undefined,
      path: request.path,
      query: {},
      headers: { ...request.headers, host: request.host },
      body: request.body,
    },
    { signingDate: at },
  );
  return signed.headers.authorization;
}

const dynamoPut: SignedRequest = {
  method: 'POST',
  host: 'dynamodb.eu-west-1.amazonaws.com',
  path: '/',
  headers: {
    'content-type': 'application/x-amz-json-1.0',
    'x-amz-target': 'DynamoDB_20120810.PutItem',
  },
  body: JSON.stringify({ TableName: 'Dispatch', Item: { PK: { S: 'SUB#é' } } }),
};
const sesSend: SignedRequest = {
  method: 'POST',
  host: '127.0.0.1:4566',
  path: '/',
  headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
  body: 'Action=SendRawEmail&Version=2010-12-01&RawMessage.Data=SGVsbG8%3D',
};

describe('SigV4Signer', () => {
  const at = new Date('2026-12-04T04:05:06.789Z');
  const keys = {
    accessKeyId: 'AKIDEXAMPLE',
    secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  };

  it.each<[string, SignedRequest, string, string, Credentials]>([
    ['a DynamoDB PutItem', dynamoPut, 'eu-west-1', 'dynamodb', keys],
    ['an SES SendRawEmail on a port', sesSend, 'us-east-1', 'ses', keys],
    [
      'with a Lambda session token',
      dynamoPut,
      'eu-west-1',
      'dynamodb',
      { ...keys, sessionToken: 'IQoJb3JpZ2luX2VjE//token=' },
    ],
  ])(
    'signs %s exactly as the AWS SDK does',
    async (_name, request, region, service, credentials) => {
      const ours = new SigV4Signer(region, service).sign(request, credentials, at);
      expect(ours.authorization).toBe(
        await sdkSignature(request, credentials, region, service, at),
      );
      if (credentials.sessionToken)
        expect(ours['x-amz-security-token']).toBe(credentials.sessionToken);
    },
  );

  it('keeps the day’s key only for that day and that secret', async () => {
    const signer = new SigV4Signer('eu-west-1', 'dynamodb');
    const tomorrow = new Date('2026-12-05T00:00:01Z');
    signer.sign(dynamoPut, keys, at);
    expect(signer.sign(dynamoPut, keys, tomorrow).authorization).toBe(
      await sdkSignature(dynamoPut, keys, 'eu-west-1', 'dynamodb', tomorrow),
    );
    const rotated = { ...keys, secretAccessKey: 'another-secret' };
    expect(signer.sign(dynamoPut, rotated, tomorrow).authorization).toBe(
      await sdkSignature(dynamoPut, rotated, 'eu-west-1', 'dynamodb', tomorrow),
    );
  });
});
