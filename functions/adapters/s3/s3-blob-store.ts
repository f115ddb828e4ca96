import type { S3Client } from '@aws-sdk/client-s3';
import { type ClientSource, clientOf } from '../aws/on-first-use.js';
import type { BlobPart, BlobStore } from '../../core/ports.js';
import { BlobStoreError } from './s3-blob-store-error.js';

// Its own file, so the reader's bundle (s3-blob-reader.ts) carries none of this one's commands.
export { BlobStoreError };

/** S3's smallest part but the last (5 MiB); S3 answers EntityTooSmall at completion, s3rver never. */
export const MIN_PART_BYTES = 5 * 1024 * 1024;
export const MAX_PARTS = 10_000;

/** A multipart upload broke S3's part rules (a non-last part under 5 MiB, a number out of 1..10,000). */
export class BlobPartRejected extends Error {
  override readonly name = 'BlobPartRejected';
  constructor(
    readonly key: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`blob store: ${key}: ${message}`, options);
  }
}

const statusOf = (error: unknown) =>
  (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;

/**
 * The blob store on S3 (and on s3rver locally: the same calls, `AWS_ENDPOINT_URL_S3` pointing the
 * client at it). The client is injected: the composition root builds it with the timeouts every
 * AWS client gets, and path-style addressing, which AWS serves too and the emulator needs. Each
 * call loads the S3 package it needs when first made (functions/adapters/aws/on-first-use.ts).
 */
export class S3BlobStore implements BlobStore {
  /**
   * The sizes of the parts this process uploaded, per upload: enough to refuse a small non-last
   * part at completion as S3 would (a part uploaded by a process that since died is unknown here,
   * and S3 itself still refuses it on AWS, translated below to the same error).
   */
  private readonly partSizes = new Map<string, Map<number, number>>();

  private readonly client: () => Promise<S3Client>;

  constructor(
    client: ClientSource<S3Client>,
    private readonly bucket: string,
  ) {
    this.client = clientOf(client);
  }

  async put(key: string, body: Uint8Array | string, contentType: string): Promise<void> {
    const client = await this.s3('put', key);
    const { PutObjectCommand } = await import('@aws-sdk/client-s3');
    await this.call('put', key, () =>
      client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: body,
          ContentType: contentType,
        }),
      ),
    );
  }

  async readRange(key: string, start: number, end: number): Promise<Uint8Array> {
    if (end <= start) return new Uint8Array();
    const client = await this.s3('readRange', key);
    const { GetObjectCommand } = await import('@aws-sdk/client-s3');
    try {
      const { Body } = await client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: key, Range: `bytes=${start}-${end - 1}` }),
      );
      return Body ? await Body.transformToByteArray() : new Uint8Array();
    } catch (error) {
      // A range that starts past the end: nothing there, as "fewer at its end" promises.
      if (statusOf(error) === 416) return new Uint8Array();
      throw new BlobStoreError('readRange', key, { cause: error });
    }
  }

  async size(key: string): Promise<number | undefined> {
    const client = await this.s3('size', key);
    const { HeadObjectCommand } = await import('@aws-sdk/client-s3');
    try {
      const head = await client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return head.ContentLength ?? 0;
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw new BlobStoreError('size', key, { cause: error });
    }
  }

  async delete(key: string): Promise<void> {
    const client = await this.s3('delete', key);
    const { DeleteObjectCommand } = await import('@aws-sdk/client-s3');
    await this.call('delete', key, () =>
      client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key })),
    );
  }

  async startUpload(key: string, contentType: string): Promise<string> {
    const client = await this.s3('startUpload', key);
    const { CreateMultipartUploadCommand } = await import('@aws-sdk/client-s3');
    const { UploadId } = await this.call('startUpload', key, () =>
      client.send(
        new CreateMultipartUploadCommand({
          Bucket: this.bucket,
          Key: key,
          ContentType: contentType,
        }),
      ),
    );
    if (!UploadId) throw new BlobStoreError('startUpload', key, { cause: 'no UploadId answered' });
    this.partSizes.set(UploadId, new Map());
    return UploadId;
  }

  async uploadPart(
    key: string,
    uploadId: string,
    partNumber: number,
    body: Uint8Array,
  ): Promise<BlobPart> {
    if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > MAX_PARTS)
      throw new BlobPartRejected(key, `part number ${partNumber} is outside 1..${MAX_PARTS}`);
    const client = await this.s3('uploadPart', key);
    const { UploadPartCommand } = await import('@aws-sdk/client-s3');
    const { ETag } = await this.call('uploadPart', key, () =>
      client.send(
        new UploadPartCommand({
          Bucket: this.bucket,
          Key: key,
          UploadId: uploadId,
          PartNumber: partNumber,
          Body: body,
        }),
      ),
    );
    if (!ETag) throw new BlobStoreError('uploadPart', key, { cause: 'no ETag answered' });
    let sizes = this.partSizes.get(uploadId);
    if (!sizes) this.partSizes.set(uploadId, (sizes = new Map()));
    sizes.set(partNumber, body.byteLength);
    return { partNumber, etag: ETag };
  }

  async completeUpload(key: string, uploadId: string, parts: readonly BlobPart[]): Promise<void> {
    const client = await this.s3('completeUpload', key);
    const { CompleteMultipartUploadCommand } = await import('@aws-sdk/client-s3');
    const ordered = [...parts].sort((a, b) => a.partNumber - b.partNumber);
    const sizes = this.partSizes.get(uploadId);
    for (const part of ordered.slice(0, -1)) {
      const size = sizes?.get(part.partNumber);
      if (size !== undefined && size < MIN_PART_BYTES)
        throw new BlobPartRejected(
          key,
          `part ${part.partNumber} is ${size} bytes: every part but the last must be at least ${MIN_PART_BYTES}`,
        );
    }
    try {
      await client.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.bucket,
          Key: key,
          UploadId: uploadId,
          MultipartUpload: {
            Parts: ordered.map((p) => ({ PartNumber: p.partNumber, ETag: p.etag })),
          },
        }),
      );
    } catch (error) {
      if ((error as Error).name === 'EntityTooSmall')
        throw new BlobPartRejected(key, 'a part but the last is under 5 MiB', { cause: error });
      throw new BlobStoreError('completeUpload', key, { cause: error });
    }
    this.partSizes.delete(uploadId);
  }

  async abortUpload(key: string, uploadId: string): Promise<void> {
    const client = await this.s3('abortUpload', key);
    const { AbortMultipartUploadCommand } = await import('@aws-sdk/client-s3');
    await this.call('abortUpload', key, () =>
      client.send(
        new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId }),
      ),
    );
    this.partSizes.delete(uploadId);
  }

  async downloadUrl(
    key: string,
    options: { filename: string; expiresInSeconds: number },
  ): Promise<string> {
    const client = await this.s3('downloadUrl', key);
    const { GetObjectCommand } = await import('@aws-sdk/client-s3');
    const { getSignedUrl } = await import('@aws-sdk/s3-request-presigner');
    // The name is quoted in the header: quotes and control characters would break out of it.
    const filename = options.filename.replace(/["\\\r\n]/g, '_');
    return this.call('downloadUrl', key, () =>
      getSignedUrl(
        client,
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: key,
          ResponseContentDisposition: `attachment; filename="${filename}"`,
        }),
        { expiresIn: options.expiresInSeconds },
      ),
    );
  }

  async uploadUrl(
    key: string,
    options: { contentType: string; expiresInSeconds: number },
  ): Promise<string> {
    const client = await this.s3('uploadUrl', key);
    const { PutObjectCommand } = await import('@aws-sdk/client-s3');
    const { getSignedUrl } = await import('@aws-sdk/s3-request-presigner');
    return this.call('uploadUrl', key, () =>
      getSignedUrl(
        client,
        new PutObjectCommand({ Bucket: this.bucket, Key: key, ContentType: options.contentType }),
        { expiresIn: options.expiresInSeconds },
      ),
    );
  }

  /** The client, built on first use (with its package): a failure to is this store's error too. */
  private async s3(operation: string, key: string): Promise<S3Client> {
    try {
      return await this.client();
    } catch (error) {
      throw new BlobStoreError(operation, key, { cause: error });
    }
  }

  private async call<T>(operation: string, key: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw new BlobStoreError(operation, key, { cause: error });
    }
  }
}
