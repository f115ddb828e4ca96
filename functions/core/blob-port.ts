// Until the files branch lands: its port, verbatim (then this file goes, and imports name ports.js).
/** A part of a multipart upload, as `uploadPart` answered it. */
export type BlobPart = { partNumber: number; etag: string };

/**
 * Files: S3 on AWS; s3rver (an S3 emulator from npm) locally, through the same S3 adapter.
 * Keys are `exports/<jobId>.csv`, `imports/<jobId>.csv`, and later images. Multipart follows
 * S3's rules: parts 1..10,000, every part but the last at least 5 MiB (the adapter refuses a
 * smaller non-last part with a named error, since s3rver does not enforce it).
 */
export interface BlobStore {
  put(key: string, body: Uint8Array | string, contentType: string): Promise<void>;
  /** Bytes [start, end) of the object; fewer at its end. */
  readRange(key: string, start: number, end: number): Promise<Uint8Array>;
  /** Its size in bytes, or undefined when there is no such object. */
  size(key: string): Promise<number | undefined>;
  delete(key: string): Promise<void>;
  startUpload(key: string, contentType: string): Promise<string /* uploadId */>;
  /** Uploading the same part number again replaces it (a resumed job re-sends its last part). */
  uploadPart(
    key: string,
    uploadId: string,
    partNumber: number,
    body: Uint8Array,
  ): Promise<BlobPart>;
  completeUpload(key: string, uploadId: string, parts: readonly BlobPart[]): Promise<void>;
  abortUpload(key: string, uploadId: string): Promise<void>;
  /** A presigned GET that expires; `filename` sets Content-Disposition: attachment. */
  downloadUrl(
    key: string,
    options: { filename: string; expiresInSeconds: number },
  ): Promise<string>;
  /** A presigned PUT that expires, for a browser or CLI to upload a large file directly. */
  uploadUrl(
    key: string,
    options: { contentType: string; expiresInSeconds: number },
  ): Promise<string>;
}
