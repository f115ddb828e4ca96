import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import type { AddressInfo, Server } from 'node:net';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export type Running = { url: string; port: number; close: () => Promise<void> };

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
