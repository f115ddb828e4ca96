import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

/** What `npm start` is running, written to `.data/local-stack.json` so `npm run send` finds it. */
export type LocalStackInfo = {
  appUrl: string;
  dynamodbEndpoint: string;
  sesEndpoint: string;
  s3Endpoint?: string;
  inboxUrl?: string;
  env: Record<string, string>;
};

export const dataDirOf = (env: NodeJS.ProcessEnv) => resolve(env.DATA_DIR ?? '.data');

/**
 * The settings of the local stack. Every value already in the environment wins, so the same stack
 * can point at another emulator (`AWS_ENDPOINT_URL_DYNAMODB=…`) or at AWS.
 */
export async function localEnvironment(
  env: NodeJS.ProcessEnv,
  endpoints: { appUrl: string; dynamodb: string; ses: string; s3?: string },
) {
  const dataDir = dataDirOf(env);
  const defaults: Record<string, string> = {
    AWS_REGION: 'us-east-1',
    // The emulators accept any credentials; AWS itself gets the caller's own.
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
    AWS_ENDPOINT_URL_SES: endpoints.ses,
    ...(endpoints.s3 ? { AWS_ENDPOINT_URL_S3: endpoints.s3 } : {}),
    BLOB_BUCKET: 'dispatch-local-blobs',
    TABLE_NAME: 'dispatch-local',
    BASE_URL: endpoints.appUrl,
    PUBLICATION_NAME: 'The Regional Dispatch',
    FROM_ADDRESS: 'newsletter@dispatch.example',
    POSTAL_ADDRESS: '1 Example Street, 10000 Example City',
    OUTBOX_DIR: join(dataDir, 'outbox'),
    // Lambda runs Node 22; on an older local Node the SDK's upgrade notice is noise.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    SIGNING_SECRET: await localSecret(dataDir, 'signing-secret'),
    SUPPRESSION_SECRET: await localSecret(dataDir, 'suppression-secret'),
  };
  const merged: Record<string, string> = {};
  for (const [key, value] of Object.entries(defaults)) merged[key] = env[key] ?? value;
  // Credentials come as a pair: if the caller brought their own key, do not mix in ours.
  if (env.AWS_ACCESS_KEY_ID || env.AWS_PROFILE) {
    delete merged.AWS_ACCESS_KEY_ID;
    delete merged.AWS_SECRET_ACCESS_KEY;
    if (env.AWS_ACCESS_KEY_ID) merged.AWS_ACCESS_KEY_ID = env.AWS_ACCESS_KEY_ID;
    if (env.AWS_SECRET_ACCESS_KEY) merged.AWS_SECRET_ACCESS_KEY = env.AWS_SECRET_ACCESS_KEY;
  }
  return merged;
}

/** A random secret made once per data folder: never in code, never the same on two machines. */
async function localSecret(dataDir: string, name: string): Promise<string> {
  const file = join(dataDir, name);
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  await mkdir(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  await writeFile(file, secret, { mode: 0o600 });
  return secret;
}

export async function writeStackInfo(dataDir: string, info: LocalStackInfo) {
  await writeFile(join(dataDir, 'local-stack.json'), JSON.stringify(info, null, 2), {
    mode: 0o600,
  });
}

export async function readStackInfo(dataDir: string): Promise<LocalStackInfo | undefined> {
  const file = join(dataDir, 'local-stack.json');
  return existsSync(file)
    ? (JSON.parse(await readFile(file, 'utf8')) as LocalStackInfo)
    : undefined;
}
