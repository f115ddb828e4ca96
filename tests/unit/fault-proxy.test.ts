import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { GetSendQuotaCommand, SESClient } from '@aws-sdk/client-ses';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFaultProxy, type FaultProxy, type Fate } from '../support/fault-proxy.js';

/** An upstream that answers every request 200 and counts what reached it. */
let upstream: Server;
let upstreamUrl: string;
let hits = 0;
let proxy: FaultProxy;

beforeAll(async () => {
  upstream = createServer((req, res) => {
    hits++;
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('upstream');
    });
  });
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((r) => upstream.close(r)));
afterEach(async () => proxy?.close());

const local = { region: 'us-east-1', credentials: { accessKeyId: 'l', secretAccessKey: 'l' } };
const sesCall = (body = 'Action=SendRawEmail&RawMessage.Data=eA%3D%3D') =>
  fetch(`${proxy.url}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });

async function withFate(fate: Fate) {
  hits = 0;
  proxy = await startFaultProxy({ upstream: upstreamUrl, policy: () => fate });
}

describe('the fault proxy', () => {
  it('forwards what the policy passes, and records each request with its operation and count', async () => {
    await withFate({ kind: 'pass' });
    expect(await (await sesCall()).text()).toBe('upstream');
    await sesCall();
    expect(hits).toBe(2);
    expect(proxy.requests.map((r) => [r.service, r.operation, r.nth, r.fate, r.status])).toEqual([
      ['ses', 'SendRawEmail', 1, 'pass', 200],
      ['ses', 'SendRawEmail', 2, 'pass', 200],
    ]);
  });

  it("throttles in each service's own words without forwarding: the SDKs read them as throttling", async () => {
    await withFate({ kind: 'throttle' });
    const ses = new SESClient({ ...local, endpoint: proxy.url, maxAttempts: 1 });
    const sesError = await ses.send(new GetSendQuotaCommand({})).catch((e) => e);
    expect(sesError).toMatchObject({ name: 'Throttling', $metadata: { httpStatusCode: 400 } });
    const dynamo = new DynamoDBClient({ ...local, endpoint: proxy.url, maxAttempts: 1 });
    const dbError = await dynamo
      .send(new GetItemCommand({ TableName: 't', Key: { PK: { S: 'x' } } }))
      .catch((e) => e);
    expect(dbError).toMatchObject({
      name: 'ThrottlingException',
      $metadata: { httpStatusCode: 400 },
    });
    expect(hits).toBe(0);
    expect(proxy.requests.map((r) => r.operation)).toEqual(['GetSendQuota', 'GetItem']);
  });

  it('fails with a 500 before forwarding, or after the upstream acted', async () => {
    await withFate({ kind: 'fail' });
    expect((await sesCall()).status).toBe(500);
    expect(hits).toBe(0);
    proxy.setPolicy(() => ({ kind: 'failAfter' }));
    const after = await sesCall();
    expect([after.status, await after.text()]).toEqual([
      500,
      expect.stringContaining('InternalFailure'),
    ]);
    expect(hits).toBe(1);
    expect(proxy.requests.map((r) => [r.fate, r.forwarded])).toEqual([
      ['fail', false],
      ['failAfter', true],
    ]);
  });

  it('drops the answer after forwarding: the client sees a reset socket', async () => {
    await withFate({ kind: 'drop' });
    await expect(sesCall()).rejects.toThrow();
    expect(hits).toBe(1);
  });

  it('answers late, and holds a request until the client gives up; close ends what it holds', async () => {
    await withFate({ kind: 'delay', ms: 300 });
    const started = Date.now();
    expect((await sesCall()).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);

    proxy.setPolicy(() => ({ kind: 'hang', forward: true }));
    const abandoned = fetch(`${proxy.url}/`, { signal: AbortSignal.timeout(200) });
    await expect(abandoned).rejects.toThrow();
    await new Promise((r) => setTimeout(r, 50));
    expect(proxy.requests[1]).toMatchObject({ fate: 'hang', forwarded: true, clientGaveUp: true });

    proxy.setPolicy(() => ({ kind: 'hang' }));
    const dropped = sesCall();
    await new Promise((r) => setTimeout(r, 100));
    proxy.dropHeld();
    await expect(dropped).rejects.toThrow();

    const held = sesCall();
    await new Promise((r) => setTimeout(r, 100));
    await proxy.close();
    await expect(held).rejects.toThrow();
    expect(hits).toBe(2);
    expect(proxy.requests.map((r) => r.fate)).toEqual(['delay', 'hang', 'hang', 'hang']);
  });

  it('draws the same faults from the same seed', async () => {
    const run = async () => {
      proxy = await startFaultProxy({
        upstream: upstreamUrl,
        seed: 42,
        policy: (r) => (r.random < 0.5 ? { kind: 'fail' } : { kind: 'pass' }),
      });
      for (let i = 0; i < 20; i++) await sesCall();
      const fates = proxy.requests.map((r) => r.fate);
      await proxy.close();
      return fates;
    };
    const first = await run();
    expect(first).toContain('fail');
    expect(first).toContain('pass');
    expect(await run()).toEqual(first);
  });
});
