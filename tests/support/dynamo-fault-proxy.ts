/**
 * A loopback proxy in front of DynamoDB that can refuse: while `refuse` matches a request's
 * operation (X-Amz-Target, e.g. `PutItem`), it answers as DynamoDB does when it fails (500,
 * InternalServerError) without forwarding; everything else passes through unchanged.
 */
import { once } from 'node:events';
import { createServer, request as forward } from 'node:http';
import type { AddressInfo } from 'node:net';

export type DynamoFaultProxy = {
  url: string;
  refuse(operations: RegExp | undefined): void;
  /** Requests refused so far. */
  refused(): number;
  close(): Promise<void>;
};

export async function startDynamoFaultProxy(upstream: string): Promise<DynamoFaultProxy> {
  let refusing: RegExp | undefined;
  let refused = 0;
  const target = new URL(upstream);
  const server = createServer((incoming, outgoing) => {
    const operation = String(incoming.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
    if (refusing?.test(operation)) {
      refused++;
      incoming.resume();
      outgoing.writeHead(500, { 'content-type': 'application/x-amz-json-1.0' });
      outgoing.end(
        JSON.stringify({
          __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError',
          message: 'Internal server error',
        }),
      );
      return;
    }
    const upstreamRequest = forward(
      {
        host: target.hostname,
        port: target.port,
        method: incoming.method,
        path: incoming.url,
        headers: incoming.headers,
      },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    upstreamRequest.on('error', () => outgoing.destroy());
    incoming.pipe(upstreamRequest);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    refuse: (operations) => {
      refusing = operations;
    },
    refused: () => refused,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
