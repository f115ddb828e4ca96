/**
 * Where a webhook may point, and how its retries and its endpoint's disabling run over a day:
 * the rules, with a fixed clock; the check at delivery with Node's own client and resolver.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { HttpWebhookPoster } from '../../functions/adapters/webhooks/http-poster.js';
import { checkWebhookUrl, isPrivateAddress } from '../../functions/core/webhooks/address.js';
import {
  failedAttempt,
  queuedDelivery,
  RETRY_HORIZON_MS,
} from '../../functions/core/webhooks/delivery.js';
import { afterFailedAttempt, newEndpoint } from '../../functions/core/webhooks/endpoint.js';

describe('addresses a deployed stage refuses', () => {
  it('refuses loopback, private, link-local, CGNAT, ULA and mapped addresses, and allows public ones', () => {
    const refused = ['127.0.0.1', '10.1.2.3', '172.20.0.1', '192.168.1.1', '169.254.169.254'];
    refused.push('100.64.0.1', '0.0.0.0', '::1', 'fd00::1', 'fe80::1', '::ffff:127.0.0.1');
    for (const a of refused) expect(isPrivateAddress(a), a).toBe(true);
    for (const a of ['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111'])
      expect(isPrivateAddress(a), a).toBe(false);
  });

  it('accepts an https URL to a public address, and a loopback one on the local stage', async () => {
    expect(await checkWebhookUrl('https://8.8.8.8/hook', { deployed: true })).toBe(
      'https://8.8.8.8/hook',
    );
    await expect(checkWebhookUrl('https://user:pw@8.8.8.8/', { deployed: true })).rejects.toThrow(
      /url: must not carry credentials/,
    );
    expect(await checkWebhookUrl('http://127.0.0.1:9/hook', { deployed: false })).toBe(
      'http://127.0.0.1:9/hook',
    );
  });

  it('checks again at delivery: a name that resolves to loopback reaches nothing', async () => {
    let reached = 0;
    const server = createServer((_req, res) => {
      reached++;
      res.writeHead(204).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const deployed = new HttpWebhookPoster({ deployed: true });
      expect(await deployed.post(`https://localhost:${port}/`, {}, '{}')).toEqual({
        error: expect.stringMatching(/refused: localhost resolves to a private or loopback/),
      });
      expect(await deployed.post(`https://127.0.0.1:${port}/`, {}, '{}')).toEqual({
        error: expect.stringMatching(/refused: 127.0.0.1/),
      });
      expect(reached).toBe(0);
      // The local stage's poster, to the same receiver: delivered.
      const local = new HttpWebhookPoster({ deployed: false });
      expect(await local.post(`http://localhost:${port}/`, {}, '{}')).toEqual({ status: 204 });
      expect(reached).toBe(1);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('gives up on a receiver that hangs after its timeout', async () => {
    const server = createServer(() => {});
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const started = Date.now();
      const result = await new HttpWebhookPoster({ deployed: false }, 300).post(
        `http://127.0.0.1:${port}/`,
        {},
        '{}',
      );
      expect(result).toEqual({ error: expect.stringMatching(/timed out|socket hang up/) });
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('retries over a day, and disabling', () => {
  const start = new Date('2026-12-03T09:00:00.000Z');
  const event = { id: 'evt_1', type: 'reader.created' as const, createdAt: start.toISOString() };

  it('retries a failing delivery with growing waits, at most an hour apart, and gives up a day after the event', () => {
    let d = queuedDelivery('whe_1', { ...event, data: {} });
    let now = start.getTime();
    const waits: number[] = [];
    while (d.state === 'queued') {
      d = failedAttempt({ ...d, attempts: d.attempts + 1 }, 'HTTP 503', new Date(now), 30_000);
      if (d.state !== 'queued') break;
      waits.push(Date.parse(d.dueAt) - now);
      now = Date.parse(d.dueAt);
    }
    expect(d.state).toBe('failed');
    expect(d.reason).toMatch(/given up after \d+ attempts: HTTP 503/);
    expect(now - start.getTime()).toBeLessThanOrEqual(RETRY_HORIZON_MS);
    expect(now - start.getTime()).toBeGreaterThan(RETRY_HORIZON_MS - 60 * 60_000);
    expect(Math.max(...waits)).toBeLessThanOrEqual(60 * 60_000);
    expect(waits.length).toBeGreaterThan(20);
  });

  it('disables an endpoint after 20 failures in a row only once they span an hour, with the reason', () => {
    let endpoint = newEndpoint({ url: 'https://8.8.8.8/', events: ['reader.created'] }, start);
    for (let i = 0; i < 30; i++)
      endpoint = afterFailedAttempt(endpoint, 'HTTP 503', new Date(start.getTime() + i * 1000));
    expect(endpoint).toMatchObject({ state: 'active', consecutiveFailures: 30 });
    endpoint = afterFailedAttempt(endpoint, 'HTTP 502', new Date(start.getTime() + 3_600_000));
    expect(endpoint.state).toBe('disabled');
    expect(endpoint.disabledReason).toMatch(
      /^31 failed attempts in a row since .*; the last: HTTP 502$/,
    );
  });
});
