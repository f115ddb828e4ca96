/**
 * Builds a handler's dependencies once per configuration. On Lambda the environment never changes,
 * so this is the usual once-per-container initialisation; in one local process (tests restarting
 * the local stack on new ports) a changed environment gets fresh clients instead of dead ones.
 */
export function perConfiguration<T>(build: () => T): () => T {
  let cached: { key: string; value: T } | undefined;
  return () => {
    const env = process.env;
    const key = JSON.stringify([
      env.TABLE_NAME,
      env.AWS_ENDPOINT_URL_DYNAMODB,
      env.AWS_ENDPOINT_URL_SES,
      env.AWS_ENDPOINT_URL_S3,
      env.BLOB_BUCKET,
      env.BASE_URL,
      env.CONTENT_DIR,
      env.SHARD_QUEUE_URL,
    ]);
    if (cached?.key !== key) cached = { key, value: build() };
    return cached.value;
  };
}
