/**
 * The floor of the send benchmarks: an SES endpoint that does nothing but answer. It reads each
 * request, names a fresh message id, and counts the sends, with none of the local gateway's work
 * (MIME parsing, storing, rate limits, events), so the SDK-against-it figure is the fastest any
 * sender could go here. `latencyMs` models SES's own round trip. `GET /_bench/sent` returns the
 * count, the bytes of the requests, and when the first and the last send arrived (epoch ms);
 * `DELETE` resets them.
 */
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const XMLNS = 'http://ses.amazonaws.com/doc/2010-12-01/';

export async function startBareSes(options: { latencyMs: number; maxSendRate?: number }) {
  const maxSendRate = options.maxSendRate ?? 1_000_000;
  let sent = 0;
  let bytes = 0;
  let firstAt = 0;
  let lastAt = 0;
  const server = createServer((req, res) => {
    if (req.url === '/_bench/sent') {
      if (req.method === 'DELETE') sent = bytes = firstAt = lastAt = 0;
      return res.end(JSON.stringify({ sent, bytes, firstAt, lastAt }));
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      const quota = body.startsWith('Action=GetSendQuota') || body.includes('&Action=GetSendQuota');
      if (!quota) {
        sent++;
        bytes += body.length;
        lastAt = Date.now();
        firstAt ||= lastAt;
      }
      const xml = quota
        ? `<GetSendQuotaResponse xmlns="${XMLNS}"><GetSendQuotaResult><SentLast24Hours>0.0</SentLast24Hours><Max24HourSend>100000000.0</Max24HourSend><MaxSendRate>${maxSendRate}.0</MaxSendRate></GetSendQuotaResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></GetSendQuotaResponse>`
        : `<SendRawEmailResponse xmlns="${XMLNS}"><SendRawEmailResult><MessageId>${randomUUID()}</MessageId></SendRawEmailResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></SendRawEmailResponse>`;
      const answer = () => {
        res.writeHead(200, { 'content-type': 'text/xml' });
        res.end(xml);
      };
      if (options.latencyMs > 0) setTimeout(answer, options.latencyMs);
      else answer();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}
