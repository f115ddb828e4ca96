import type { BlobPart, BlobStore } from '../../../functions/core/ports.js';

/**
 * An in-memory BlobStore for unit tests of the core, until the S3 adapter against s3rver takes its
 * place: ranged reads answer fewer bytes at the end, as S3's do. Multipart and signed URLs are
 * out of its scope (the integration tests use the real adapter).
 */
export class MemoryBlobStore implements BlobStore {
  readonly objects = new Map<string, Uint8Array>();
  /** Every `readRange` asked for, to check a reader never holds the whole file. */
  readonly reads: { start: number; end: number }[] = [];

  async put(key: string, body: Uint8Array | string, _contentType: string) {
    this.objects.set(key, typeof body === 'string' ? new TextEncoder().encode(body) : body);
  }
  async readRange(key: string, start: number, end: number) {
    this.reads.push({ start, end });
    const object = this.objects.get(key);
    if (!object) throw new Error(`No such blob: ${key}`);
    return object.slice(start, end);
  }
  async size(key: string) {
    return this.objects.get(key)?.length;
  }
  async delete(key: string) {
    this.objects.delete(key);
  }
  startUpload(): Promise<string> {
    throw new Error('not in the memory blob store');
  }
  uploadPart(): Promise<BlobPart> {
    throw new Error('not in the memory blob store');
  }
  completeUpload(): Promise<void> {
    throw new Error('not in the memory blob store');
  }
  abortUpload(): Promise<void> {
    throw new Error('not in the memory blob store');
  }
  async downloadUrl(key: string) {
    return `memory://${key}`;
  }
  async uploadUrl(key: string) {
    return `memory://${key}`;
  }
}
