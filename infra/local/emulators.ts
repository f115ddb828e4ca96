import { once } from 'node:events';
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
  const server = dynalite({ path: options.path, createTableMs: 0, updateTableMs: 0, deleteTableMs: 0 });
  server.listen(options.port, '127.0.0.1');
  await once(server, 'listening');
  return running(server);
}

/** aws-ses-v2-local: SES v1/v2 endpoints, an inbox viewer at `/` and the stored mail at `/store`. */
export async function startSesEmulator(options: { port: number }): Promise<Running> {
  // A CommonJS module whose default export is the server factory.
  const { default: sesEmulator } = require('aws-ses-v2-local') as typeof import('aws-ses-v2-local');
  const server = await sesEmulator({ host: '127.0.0.1', port: options.port });
  if (!server.listening) await once(server, 'listening');
  return running(server);
}

function running(server: Server): Running {
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () => new Promise<void>((resolve) => {
      (server as Server & { closeAllConnections?: () => void }).closeAllConnections?.();
      server.close(() => resolve());
    }),
  };
}
