/**
 * The bucket of files (exports, imports): private (SST blocks public access unless `access` is
 * set, and no policy opens it), encrypted at rest, its exports and imported files deleted by S3
 * itself (see `blobLifecycle`). Every function reaches it through presigned URLs or its own grant
 * (infra/function-args.ts), never a `link` (which would grant s3:*).
 */
const production = $app.stage === 'production';

/**
 * How long S3 keeps what it is told to forget: exports a week, upload leftovers a day, imported
 * files 30 days (as long as their job's report; a file of addresses should not outlive an
 * erasure for ever).
 */
export const blobLifecycle = {
  exportsPrefix: 'exports/',
  exportDays: 7,
  importsPrefix: 'imports/',
  importDays: 30,
  incompleteUploadDays: 1,
} as const;

export const blobs = new sst.aws.Bucket(
  'Blobs',
  {
    // The CORS rule names the API's URL, which exists only after the API: allowBrowserUploads.
    cors: false,
    lifecycle: [
      {
        id: 'expire-exports',
        prefix: blobLifecycle.exportsPrefix,
        expiresIn: `${blobLifecycle.exportDays} days`,
      },
      {
        id: 'expire-imports',
        prefix: blobLifecycle.importsPrefix,
        expiresIn: `${blobLifecycle.importDays} days`,
      },
    ],
    transform: {
      // SST's lifecycle has no field for it: an export or import killed mid-upload leaves parts
      // that S3 bills for until the upload is aborted, so S3 aborts any left for a day.
      lifecycle: (args) => {
        args.rules = [
          ...(args.rules as aws.types.input.s3.BucketLifecycleConfigurationRule[]),
          {
            id: 'abort-incomplete-uploads',
            status: 'Enabled',
            filter: {},
            abortIncompleteMultipartUpload: {
              daysAfterInitiation: blobLifecycle.incompleteUploadDays,
            },
          },
        ];
      },
      // Production's files (an export in flight) survive `sst remove`, as its table does.
      bucket: (args) => {
        args.forceDestroy = !production;
      },
    },
  },
  { retainOnDelete: production },
);

/** SSE-S3 named, not left to the account's default: what is encrypted is in the code. */
new aws.s3.BucketServerSideEncryptionConfiguration('BlobsEncryption', {
  bucket: blobs.name,
  rules: [
    { applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' }, bucketKeyEnabled: true },
  ],
});

/**
 * Lets the app's own pages PUT a file to a presigned upload URL (a large import straight from
 * the browser) and GET a download. Called by infra/api.ts once the API's URL exists.
 */
export function allowBrowserUploads(origin: $util.Input<string>) {
  return new aws.s3.BucketCorsConfiguration('BlobsCors', {
    bucket: blobs.name,
    corsRules: [
      {
        allowedOrigins: [origin],
        allowedMethods: ['PUT', 'GET'],
        allowedHeaders: ['*'],
        exposeHeaders: ['ETag'],
        maxAgeSeconds: 3600,
      },
    ],
  });
}
