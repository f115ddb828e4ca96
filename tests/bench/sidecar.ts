/**
 * The benchmark's emulators, in their own process (as DynamoDB and SES are not in the Lambda's):
 * dynalite in memory, a sink SES gateway (no upstream, rate limit out of the way), and a counting
 * proxy in front of dynalite that tallies DynamoDB requests and their bytes per operation (for the
 * cost estimate; dynalite reports no consumed capacity). Prints one JSON line with the URLs.
 * BENCH_SES_LATENCY_MS / BENCH_DYNAMODB_LATENCY_MS delay SES's answers / the proxy's, to model the
 * round trips of AWS itself (both the gateway's and the bare SES endpoint's, bare-ses.ts).
 * BENCH_COUNT_INDEXES=1 also counts what each write costs in the indexes (index-units.ts).
 */
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { startDynalite } from '../../local/emulators.js';
import { startSesGateway } from '../../local/ses-gateway.js';
import { startBareSes } from './bare-ses.js';
import { IndexMeter, indexUnits, keysWritten } from './index-units.js';

type Tally = {
  requests: number;
  requestBytes: number;
  responseBytes: number;
  units: number;
  /** The write units the same writes cost in the indexes (BENCH_COUNT_INDEXES=1 only). */
  indexUnits: number;
};
const counts: Record<string, Tally> = {};

const db = await startDynalite({ port: 0 });
// BENCH_SES_LATENCY_MS and BENCH_DYNAMODB_LATENCY_MS model AWS's round trips (the counting proxy adds the latter).
const sesLatency = Number(process.env.BENCH_SES_LATENCY_MS ?? 0);
const dynamoLatency = Number(process.env.BENCH_DYNAMODB_LATENCY_MS ?? 0);
const ses = await startSesGateway({
  port: 0,
  maxSendRate: 1_000_000,
  max24HourSend: 100_000_000,
  latencyMs: sesLatency,
});
// BENCH_SES_MAX_SEND_RATE: the account's rate as the bare endpoint's GetSendQuota reports it.
const sesBare = await startBareSes({
  latencyMs: sesLatency,
  maxSendRate: Number(process.env.BENCH_SES_MAX_SEND_RATE ?? 1_000_000),
});
const dbPort = db.port;
const meter = process.env.BENCH_COUNT_INDEXES === '1' ? new IndexMeter(db.url) : undefined;

const proxy = createServer((req, res) => {
  // The emulators' own CPU (microseconds, user + system): what a modelled figure owes to them.
  if (req.url === '/_bench/cpu') {
    const { user, system } = process.cpuUsage();
    return res.end(JSON.stringify({ micros: user + system }));
  }
  if (req.url === '/_bench/counts') {
    res.setHeader('content-type', 'application/json');
    if (req.method === 'DELETE') for (const k of Object.keys(counts)) delete counts[k];
    return res.end(JSON.stringify(counts));
  }
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', async () => {
    const body = Buffer.concat(chunks);
    const op = String(req.headers['x-amz-target'] ?? 'unknown')
      .split('.')
      .pop()!;
    const written = meter ? keysWritten(op, JSON.parse(body.toString() || '{}')) : [];
    const before = written.length > 0 ? await meter!.read(written) : [];
    const upstream = httpRequest(
      { host: '127.0.0.1', port: dbPort, method: req.method, path: req.url, headers: req.headers },
      (up) => {
        const out: Buffer[] = [];
        up.on('data', (c: Buffer) => out.push(c));
        up.on('end', async () => {
          const response = Buffer.concat(out);
          const t = (counts[op] ??= {
            requests: 0,
            requestBytes: 0,
            responseBytes: 0,
            units: 0,
            indexUnits: 0,
          });
          if (written.length > 0 && up.statusCode === 200) {
            const after = await meter!.read(written);
            t.indexUnits += written.reduce((n, _, i) => n + indexUnits(before[i], after[i]), 0);
          }
          t.requests++;
          t.requestBytes += body.length;
          t.responseBytes += response.length;
          t.units += unitsOf(op, body, response);
          const answer = () => {
            res.writeHead(up.statusCode ?? 500, up.headers);
            res.end(response);
          };
          if (dynamoLatency > 0) setTimeout(answer, dynamoLatency);
          else answer();
        });
      },
    );
    upstream.on('error', (e) => {
      res.statusCode = 502;
      res.end(String(e));
    });
    upstream.end(body);
  });
});
proxy.listen(0, '127.0.0.1');
await once(proxy, 'listening');

/**
 * On-demand request units, estimated from the JSON on the wire (an over-estimate of DynamoDB's
 * own item size, which counts attribute names and values without JSON's quoting and type tags):
 * writes 1 WRU per started KB of the item written (conditional writes that fail still cost),
 * strongly consistent reads 1 RRU per started 4 KB returned (Query: of the whole page).
 */
function unitsOf(op: string, body: Buffer, response: Buffer): number {
  const kb = (n: number, per: number) => Math.max(1, Math.ceil(n / per));
  switch (op) {
    case 'PutItem':
    case 'UpdateItem':
    case 'DeleteItem':
      return kb(body.length, 1024);
    case 'BatchWriteItem': {
      const parsed = JSON.parse(body.toString()) as { RequestItems: Record<string, unknown[]> };
      return Object.values(parsed.RequestItems)
        .flat()
        .reduce<number>((s, r) => s + kb(JSON.stringify(r).length, 1024), 0);
    }
    case 'GetItem':
    case 'Query':
    case 'Scan':
      return kb(response.length, 4096);
    case 'BatchGetItem': {
      const parsed = JSON.parse(response.toString()) as { Responses?: Record<string, unknown[]> };
      return (
        Object.values(parsed.Responses ?? {})
          .flat()
          .reduce<number>((s, r) => s + kb(JSON.stringify(r).length, 4096), 0) || 1
      );
    }
    default:
      return 0; // control plane (DescribeTable, CreateTable): not billed per request
  }
}

const dbUrl = db.url;
console.log(
  JSON.stringify({
    dynamodb: dbUrl,
    dynamodbCounted: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    ses: ses.url,
    sesBare: sesBare.url,
  }),
);
process.on('SIGTERM', () => process.exit(0));
