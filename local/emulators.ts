import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import type { AddressInfo, Server } from 'node:net';
import { createRequire } from 'node:module';
import { presignedProblem } from './s3-signatures.js';

const require = createRequire(import.meta.url);

export type Running = { url: string; port: number; close: () => Promise<void> };

/**
 * s3rver: S3's API on the file system (multipart, ranged reads, presigned URLs checked for
 * expiry and, through `presignedProblem`, signature). With `directory` the objects outlive
 * restarts (`.data/s3`); without it, a temporary folder removed at close (tests). It knows one
 * key pair of its own (S3RVER); the local stack's `local`/`local` is added, so one set of
 * credentials serves every emulator.
 */
export async function startS3rver(options: { port: number; directory?: string }): Promise<Running> {
  type Context = {
    method: string;
    url: string;
    headers: Record<string, string>;
    status: number;
    body: string;
    type: string;
  };
  const S3rver = require('s3rver') as new (
    o: object,
  ) => {
    run(): Promise<AddressInfo>;
    close(): Promise<void>;
    middleware: ((ctx: Context, next: () => Promise<void>) => Promise<void>)[];
  };
  const { DUMMY_ACCOUNT } = require('s3rver/lib/models/account.js') as {
    DUMMY_ACCOUNT: {
      createKeyPair(id: string, secret: string): void;
      accessKeys: Map<string, string>;
    };
  };
  DUMMY_ACCOUNT.createKeyPair('local', 'local');
  const { mkdtemp, rm } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const temporary = options.directory ? undefined : await mkdtemp(join(tmpdir(), 'dispatch-s3-'));
  const server = new S3rver({
    port: options.port,
    address: '127.0.0.1',
    silent: true,
    directory: options.directory ?? temporary,
    // Path-style only, as the adapter addresses it: `bucket.127.0.0.1` resolves nowhere.
    vhostBuckets: false,
  });
  // First in s3rver's (Koa) middleware, so a forged presigned URL is refused as S3 refuses it.
  server.middleware.unshift(async (ctx, next) => {
    // s3rver has no AbortMultipartUpload (405): answer as S3 does; its parts stay in its folder.
    if (ctx.method === 'DELETE' && /[?&]uploadId=/.test(ctx.url)) {
      ctx.status = 204;
      return;
    }
    const problem = presignedProblem(ctx, (id) => DUMMY_ACCOUNT.accessKeys.get(id));
    if (!problem) return next();
    ctx.status = 403;
    ctx.type = 'application/xml';
    ctx.body = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>${problem}</Message></Error>`;
  });
  const { port } = await server.run();
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: async () => {
      await server.close();
      if (temporary) await rm(temporary, { recursive: true, force: true });
    },
  };
}

/**
 * dynalite: DynamoDB's API on LevelDB. With `path` the data outlives restarts (`.data/dynamodb`);
 * without it, it lives in memory (tests). Port 0 picks a free port.
 */
export async function startDynalite(options: { port: number; path?: string }): Promise<Running> {
  const dynalite = require('dynalite') as (o: object) => Server;
  const server = dynalite({
    path: options.path,
    createTableMs: 0,
    updateTableMs: 0,
    deleteTableMs: 0,
  });
  server.listen(options.port, '127.0.0.1');
  await once(server, 'listening');
  return running(server);
}

/**
 * aws-ses-v2-local: SES v1/v2 endpoints, an inbox viewer at `/` and the stored mail at `/store`.
 * It runs as its own process, as an emulator would: parsing every message it receives costs CPU
 * that should not slow the app (or a test) down, and its store of mail lives and dies with it.
 */
export async function startSesEmulator(options: { port: number }): Promise<Running> {
  const port = options.port || (await freePort());
  const cli = require.resolve('aws-ses-v2-local/dist/cli.js');
  const child = spawn(process.execPath, [cli, '--host', '127.0.0.1', '--port', String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const deadline = Date.now() + 20_000;
  while (!/server running/.test(output)) {
    if (child.exitCode !== null)
      throw new Error(`aws-ses-v2-local exited (${child.exitCode}):\n${output}`);
    if (Date.now() > deadline) throw new Error(`aws-ses-v2-local did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  // Never outlive the stack that started it.
  const kill = () => child.kill('SIGTERM');
  process.once('exit', kill);
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: async () => {
      process.off('exit', kill);
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function running(server: Server): Running {
  const { port } = server.address() as AddressInfo;
  // dynalite answers a request on a later turn and throws (uncaught) if its database closed in
  // between, so close lets requests under way finish before it drops the idle connections.
  let active = 0;
  server.on('request', (_req: unknown, res: { once(e: 'close', f: () => void): void }) => {
    active++;
    res.once('close', () => active--);
  });
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      const deadline = Date.now() + 5_000;
      while (active > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      (server as Server & { closeAllConnections?: () => void }).closeAllConnections?.();
      await closed;
    },
  };
}
