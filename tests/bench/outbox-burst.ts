/**
 * The outbox's burst: `signups` readers sign up at once through the local stack's HTTP server,
 * each confirms as soon as their confirmation reaches the SES emulator (behind the gateway's
 * 14/s), and the run ends when every welcome has arrived. What it measures is the drain: how
 * close to its share of the rate the outbox sends, and that each email goes exactly once.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { splitRate } from '../../functions/core/delivery/rate-budget.js';
import { startLocalStack } from '../../local/stack.js';
import type { StoredEmail } from '../support/stack.js';

export type BurstResult = {
  signups: number;
  seconds: number;
  /** Emails per second from the first signup to the last welcome. */
  rate: number;
  /** The transactional share of the gateway's rate: what the drain may use. */
  share: number;
  non2xx: number;
  confirmations: number;
  welcomes: number;
  duplicates: number;
  lastEmailMs: number;
};

export async function outboxBurst(signups: number, maxSendRate = 14): Promise<BurstResult> {
  const dataDir = await mkdtemp(join(tmpdir(), 'dispatch-burst-'));
  // An earlier bench's stack left a fixed SEND_RATE in this process's environment (the stack
  // copies its settings there, as Lambda has them): this one paces from SES's quota.
  delete process.env.SEND_RATE;
  const stack = await startLocalStack({
    env: {
      ...process.env,
      BASE_URL: undefined,
      AWS_ENDPOINT_URL_DYNAMODB: undefined,
      AWS_ENDPOINT_URL_SES: undefined,
      AWS_ENDPOINT_URL_S3: undefined,
      SEND_RATE: undefined,
      DATA_DIR: dataDir,
      PORT: '0',
      DYNAMODB_PORT: '0',
      SES_PORT: '0',
      S3_PORT: '0',
      OUTBOX_DIR: '',
      LOCAL_SES_MAX_SEND_RATE: String(maxSendRate),
      SIGNUP_LIMIT_PER_IP_PER_HOUR: '0',
    },
    persist: false,
    schedules: false,
  });
  try {
    const share = splitRate(maxSendRate, {
      rateFraction: Number(process.env.SEND_RATE_FRACTION ?? 0.8),
      workers: 1,
      transactionalShare: Number(process.env.TRANSACTIONAL_RATE_SHARE ?? 0.2),
    }).transactional;
    const post = (path: string, body?: unknown) =>
      fetch(`${stack.appUrl}${path}`, {
        method: 'POST',
        headers: body ? { 'content-type': 'application/json' } : {},
        body: body ? JSON.stringify(body) : undefined,
      }).then((r) => r.status);
    const readers = Array.from({ length: signups }, (_, i) => `burst.${i}@example.com`);
    const started = performance.now();
    const statuses = await Promise.all(readers.map((email) => post('/api/subscribe', { email })));
    const confirmedBy = new Set<string>();
    let lastEmailMs = 0;
    let emails: StoredEmail[] = [];
    const kinds = () => {
      const seen = new Map<string, number>();
      for (const e of emails)
        for (const to of e.destination.to) {
          const key = `${to} ${e.subject.split(' ')[0]}`;
          seen.set(key, (seen.get(key) ?? 0) + 1);
        }
      return seen;
    };
    const deadline = started + ((signups * 2 * 3) / share) * 1000 + 60_000;
    for (;;) {
      const stored = (await (await fetch(`${stack.sesEndpoint}/store`)).json()) as {
        emails: StoredEmail[];
      };
      if (stored.emails.length > emails.length) lastEmailMs = performance.now() - started;
      emails = stored.emails;
      const links = emails
        .filter((e) => e.subject.startsWith('Confirm') && !confirmedBy.has(e.destination.to[0]!))
        .map((e) => {
          confirmedBy.add(e.destination.to[0]!);
          return new URL(/https?:\/\/\S+\/confirm\/[A-Za-z0-9_.-]+/.exec(e.body.text!)![0])
            .pathname;
        });
      statuses.push(...(await Promise.all(links.map((path) => post(path)))));
      const seen = kinds();
      const welcomes = readers.filter((r) => seen.has(`${r} Welcome`)).length;
      if (welcomes === signups || performance.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await stack.outbox?.settled(5_000);
    const seen = kinds();
    const seconds = lastEmailMs / 1000;
    return {
      signups,
      seconds,
      rate: emails.length / seconds,
      share,
      non2xx: statuses.filter((s) => s < 200 || s >= 300).length,
      confirmations: readers.filter((r) => seen.has(`${r} Confirm`)).length,
      welcomes: readers.filter((r) => seen.has(`${r} Welcome`)).length,
      duplicates: [...seen.values()].filter((n) => n > 1).length,
      lastEmailMs,
    };
  } finally {
    await stack.close();
  }
}
