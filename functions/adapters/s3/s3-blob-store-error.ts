/** A call to the bucket failed: the key and the operation, the SDK's error as `cause`. */
export class BlobStoreError extends Error {
  override readonly name = 'BlobStoreError';
  constructor(
    readonly operation: string,
    readonly key: string,
    options?: { cause?: unknown },
  ) {
    super(`blob store: ${operation} ${key} failed`, options);
  }
}
