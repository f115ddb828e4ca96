import type { S3Client } from '@aws-sdk/client-s3';
import { type ClientSource, clientOf } from '../aws/on-first-use.js';
import type { BlobReader } from '../../core/ports.js';
import { BlobStoreError } from './s3-blob-store-error.js';

/**
 * The blob store's one read the public site makes (an image to a reader): a GetObject, and no
 * other command in the bundle, so the function that serves images is granted that action only
 * (tests/e2e/lambda-bundles.test.ts reads the commands each bundle holds). The S3 package is
 * loaded by the first read, not by the cold start of a function that mostly serves pages.
 */
export class S3BlobReader implements BlobReader {
  private readonly client: () => Promise<S3Client>;

  constructor(
    client: ClientSource<S3Client>,
    private readonly bucket: string,
  ) {
    this.client = clientOf(client);
  }

  async read(key: string): Promise<Uint8Array | undefined> {
    const { GetObjectCommand } = await import('@aws-sdk/client-s3');
    const client = await this.client();
    try {
      const { Body } = await client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return Body ? await Body.transformToByteArray() : new Uint8Array();
    } catch (error) {
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata
        ?.httpStatusCode;
      if (status === 404 || (error as Error).name === 'NoSuchKey') return undefined;
      throw new BlobStoreError('read', key, { cause: error });
    }
  }
}
