import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ListTablesCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { startDynalite, type Running } from '../../local/emulators.js';

/** Points the SDK at local emulators the standard way, exactly as the local stack does. */
export function useLocalAws(endpoints: { dynamodb?: string; ses?: string }) {
  process.env.AWS_REGION = 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID = 'local';
  process.env.AWS_SECRET_ACCESS_KEY = 'local';
  if (endpoints.dynamodb) process.env.AWS_ENDPOINT_URL_DYNAMODB = endpoints.dynamodb;
  if (endpoints.ses) process.env.AWS_ENDPOINT_URL_SES = endpoints.ses;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export const startInMemoryDynalite = () => startDynalite({ port: 0 });

/**
 * DynamoDB Local, AWS's own emulator: its jar ships in the npm package amplify-dynamodb-simulator.
 * Needs Java 17+.
 */
export async function startDynamoDbLocal(): Promise<Running> {
  const pkg = dirname(
    createRequire(import.meta.url).resolve('amplify-dynamodb-simulator/package.json'),
  );
  const emulator = join(pkg, 'emulator');
  const port = await freePort();
  const child = spawn(
    'java',
    [
      `-Djava.library.path=${join(emulator, 'DynamoDBLocal_lib')}`,
      '-jar',
      join(emulator, 'DynamoDBLocal.jar'),
      '-inMemory',
      '-port',
      String(port),
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      // It writes a metadata file into its working folder even in memory mode.
      cwd: tmpdir(),
    },
  );
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const url = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({
    endpoint: url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`DynamoDB Local exited (${child.exitCode}):\n${output}`);
    try {
      await client.send(new ListTablesCommand({}));
      break;
    } catch {
      if (Date.now() > deadline)
        throw new Error(`DynamoDB Local did not start within 60 s:\n${output}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  client.destroy();
  return {
    url,
    port,
    close: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}
