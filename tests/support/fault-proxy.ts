import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import {
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A loopback HTTP proxy that puts faults between the SDK and a local emulator (the SES gateway,
 * dynalite, DynamoDB Local). A policy decides each request's fate from what it is (the service's
 * operation, its count so far, its body) and a seeded draw, so a run is repeatable:
 *
 * - `pass`: forwarded, the answer handed back;
 * - `throttle`: the service's own throttling error, never forwarded (proves it was refused);
 * - `fail`: a 500, never forwarded (the service never saw it; the client cannot know that);
 * - `failAfter`: forwarded, the service acted, then the client is told 500;
 * - `drop`: forwarded, the service acted, then the socket is destroyed without an answer;
 * - `delay`: forwarded at once, answered `ms` later;
 * - `hang`: never answered (forwarded first when `forward`), held until the client gives up or
 *   the proxy closes.
 */
export type Fate =
  | { kind: 'pass' }
  | { kind: 'throttle'; code?: string }
  | { kind: 'fail' }
  | { kind: 'failAfter' }
  | { kind: 'drop' }
  | { kind: 'delay'; ms: number }
  | { kind: 'hang'; forward?: boolean };

export type Service = 'ses' | 'dynamodb' | 'other';

export type ProxiedRequest = {
  /** 1-based, across all requests this proxy saw. */
  seq: number;
  service: Service;
  /** `SendRawEmail`, `PutItem`, …; '' when the request names none. */
  operation: string;
  /** 1-based count of this operation so far, this one included. */
  nth: number;
  /** The seeded draw for this request, in [0, 1). */
  random: number;
  body: string;
  /** DynamoDB's JSON input, parsed. */
  input?: Record<string, unknown>;
  /** SES's form parameters. */
  params?: URLSearchParams;
};

export type Policy = (request: ProxiedRequest) => Fate;

export type RecordedRequest = Omit<ProxiedRequest, 'body' | 'random' | 'params' | 'input'> & {
  fate: Fate['kind'];
  receivedAt: number;
  /** When the client was answered (or dropped); absent while held. */
  settledAt?: number;
  /** Whether the upstream service saw it. */
  forwarded: boolean;
  /** What the client was told (0: nothing, the socket was destroyed or held). */
  status: number;
  /** The client went away before it was answered (it timed out or aborted). */
  clientGaveUp: boolean;
};

export type FaultProxy = {
  url: string;
  port: number;
  requests: RecordedRequest[];
  setPolicy(policy: Policy): void;
  /** Destroys the sockets of the requests it holds (`hang`): their clients see a reset. */
  dropHeld(): void;
  /** Ends held requests (their sockets are destroyed) and stops listening. */
  close(): Promise<void>;
};

export const passAll: Policy = () => ({ kind: 'pass' });

/** A small seeded PRNG (mulberry32): the same seed gives the same faults on the same requests. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A ledger claim: the conditional PutItem the send pipeline makes before each SES call. */
export const isLedgerClaim = (request: ProxiedRequest) => {
  const item = request.input?.Item as Record<string, { S?: string }> | undefined;
  return (
    request.operation === 'PutItem' &&
    typeof request.input?.ConditionExpression === 'string' &&
    item?.SK?.S?.startsWith('RECIPIENT#') === true &&
    item?.status?.S === 'claimed'
  );
};

export async function startFaultProxy(options: {
  upstream: string;
  policy?: Policy;
  seed?: number;
}): Promise<FaultProxy> {
  const upstream = new URL(options.upstream);
  const random = seededRandom(options.seed ?? 1);
  let policy = options.policy ?? passAll;
  const requests: RecordedRequest[] = [];
  const counts = new Map<string, number>();
  const held = new Set<Socket>();

  const server = createServer(async (req, res) => {
    const body = await readBody(req);
    const request = describe(req, body, requests.length + 1, random());
    request.nth = (counts.get(request.operation) ?? 0) + 1;
    counts.set(request.operation, request.nth);
    const fate = policy(request);
    const { body: _b, random: _r, params: _p, input: _i, ...rest } = request;
    const record: RecordedRequest = {
      ...rest,
      fate: fate.kind,
      receivedAt: Date.now(),
      forwarded: false,
      status: 0,
      clientGaveUp: false,
    };
    requests.push(record);
    res.on('close', () => {
      if (!res.writableFinished) record.clientGaveUp = true;
      record.settledAt ??= Date.now();
    });
    const answer = (status: number, headers: Record<string, string>, text: Buffer | string) => {
      record.status = status;
      record.settledAt = Date.now();
      res.writeHead(status, headers);
      res.end(text);
    };
    const forward = async () => {
      record.forwarded = true;
      return relay(upstream, req, body);
    };
    try {
      switch (fate.kind) {
        case 'pass': {
          const reply = await forward();
          return answer(reply.status, reply.headers, reply.body);
        }
        case 'throttle':
          return answer(...throttled(request.service, fate.code));
        case 'fail':
          return answer(...serverError(request.service));
        case 'failAfter':
          await forward();
          return answer(...serverError(request.service));
        case 'drop':
          await forward();
          record.settledAt = Date.now();
          return req.socket.destroy();
        case 'delay': {
          const reply = await forward();
          await new Promise((r) => setTimeout(r, fate.ms));
          if (res.destroyed) return;
          return answer(reply.status, reply.headers, reply.body);
        }
        case 'hang':
          if (fate.forward) await forward();
          record.settledAt = undefined;
          held.add(req.socket);
          req.socket.once('close', () => held.delete(req.socket));
          return;
      }
    } catch (error) {
      // The upstream itself failed: the client hears a 502, the record says so.
      if (!res.headersSent && !res.destroyed)
        answer(502, { 'content-type': 'text/plain' }, String(error));
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    setPolicy: (next) => (policy = next),
    dropHeld: () => {
      for (const socket of held) socket.destroy();
    },
    close: async () => {
      for (const socket of held) socket.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function describe(req: IncomingMessage, body: Buffer, seq: number, draw: number): ProxiedRequest {
  const text = body.toString('utf8');
  const target = req.headers['x-amz-target'];
  if (typeof target === 'string' && target.startsWith('DynamoDB_')) {
    let input: Record<string, unknown> | undefined;
    try {
      input = JSON.parse(text) as Record<string, unknown>;
    } catch {
      input = undefined;
    }
    const operation = target.slice(target.indexOf('.') + 1);
    return { seq, service: 'dynamodb', operation, nth: 0, random: draw, body: text, input };
  }
  if (/x-www-form-urlencoded/.test(req.headers['content-type'] ?? '')) {
    const params = new URLSearchParams(text);
    const operation = params.get('Action') ?? '';
    return { seq, service: 'ses', operation, nth: 0, random: draw, body: text, params };
  }
  return { seq, service: 'other', operation: '', nth: 0, random: draw, body: text };
}

type Reply = [status: number, headers: Record<string, string>, body: string];

/** Each service's own throttling answer, as its SDK parses it. */
function throttled(service: Service, code?: string): Reply {
  if (service === 'dynamodb')
    return dynamoError(
      code ?? 'ThrottlingException',
      'Rate of requests exceeds the allowed throughput.',
    );
  return sesError(400, 'Sender', code ?? 'Throttling', 'Maximum sending rate exceeded.');
}

function serverError(service: Service): Reply {
  if (service === 'dynamodb')
    return [
      500,
      { 'content-type': 'application/x-amz-json-1.0' },
      JSON.stringify({
        __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError',
        message: 'Internal server error',
      }),
    ];
  return sesError(500, 'Receiver', 'InternalFailure', 'An internal error occurred.');
}

const dynamoError = (code: string, message: string): Reply => [
  400,
  { 'content-type': 'application/x-amz-json-1.0' },
  JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${code}`, message }),
];

const sesError = (status: number, type: string, code: string, message: string): Reply => [
  status,
  { 'content-type': 'text/xml' },
  `<ErrorResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><Error><Type>${type}</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
];

const HOP_BY_HOP = ['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'host'];

function relay(
  upstream: URL,
  req: IncomingMessage,
  body: Buffer,
): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...withoutHopByHop(req.headers), 'content-length': String(body.length) },
      },
      (response) => {
        readBody(response).then(
          (text) =>
            resolve({
              status: response.statusCode ?? 502,
              headers: withoutHopByHop(response.headers),
              body: text,
            }),
          reject,
        );
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

function withoutHopByHop(headers: IncomingHttpHeaders): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers))
    if (value !== undefined && !HOP_BY_HOP.includes(name))
      kept[name] = Array.isArray(value) ? value.join(', ') : value;
  return kept;
}

async function readBody(stream: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
