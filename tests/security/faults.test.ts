/**
 * DynamoDB faults under the signup and the reader routes: throttling and 5xx injected by a
 * proxy in front of the table (tests/support/fault-proxy.ts), both before a request reaches the
 * table and after it was applied (the response lost). What must hold: the caller gets 202 or a
 * clear 503 (never a 500), every record left behind parses, and once the faults stop a retry
 * works.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../functions/adapters/dynamo/client.js';
import { DynamoSignupReads } from '../../functions/adapters/dynamo/dynamo-signup-reads.js';
import { DynamoSuppressionList } from '../../functions/adapters/dynamo/dynamo-suppression-list.js';
import { DynamoRateLimiter } from '../../functions/adapters/dynamo/dynamo-rate-limiter.js';
import { DynamoSubscriberRepository } from '../../functions/adapters/dynamo/dynamo-subscribers.js';
import { subscriberIdFor } from '../../functions/core/subscribers/subscriber.js';
import { createApp } from '../../functions/http/app.js';
import type { LocalStack } from '../../local/stack.js';
import { uniqueEmail } from '../support/builders.js';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy.js';
import { emailsTo, startTestStack } from '../support/stack.js';
import { subscriberSchema } from './subscriber-schema.js';
import { captureLogger } from '../support/logger.js';
import { parseConfig, suppressionKeysOf } from '../../functions/config.js';

let stack: LocalStack;
let app: ReturnType<typeof createApp>;
let proxy: FaultProxy;
const faults = { share: 0, injected: { before: 0, after: 0 }, calls: 0 };
let random = mulberry32(7);
const logger = captureLogger();
const logs = logger.lines;

beforeAll(async () => {
  // Limits on (and high), so the rate limiter's DynamoDB calls meet the faults too.
  // SES's own rate (14/s in the local gateway) would add its 503s to ours: lifted, to see DynamoDB's alone.
  stack = await startTestStack({
    SIGNUP_LIMIT_PER_IP_PER_HOUR: '100000',
    SIGNUP_LIMIT_PER_ADDRESS_PER_HOUR: '1000',
    LOCAL_SES_MAX_SEND_RATE: '100000',
  });
  // Between the adapters and the table, a loopback proxy: a throttle or a 500 before the table
  // saw the request (throttling and a 500 both happen there on AWS), or a 500 after the table
  // applied it (the write happened, the answer was lost on the way back).
  proxy = await startFaultProxy({
    upstream: stack.dynamodbEndpoint,
    policy: () => {
      faults.calls++;
      const draw = random();
      if (draw < faults.share / 2) {
        faults.injected.before++;
        return random() < 0.5 ? { kind: 'throttle' } : { kind: 'fail' };
      }
      if (draw < faults.share) {
        faults.injected.after++;
        return { kind: 'failAfter' };
      }
      return { kind: 'pass' };
    },
  });
  const client = createDocumentClient({ maxAttempts: 1, endpoint: proxy.url });
  const table = stack.env.TABLE_NAME!;
  // The stack's own keys: its outbox and its reads must find what these write.
  const keys = suppressionKeysOf(parseConfig(stack.env));
  const deps = {
    ...stack.deps,
    subscribers: new DynamoSubscriberRepository(client, table),
    suppressions: new DynamoSuppressionList(client, table, keys),
    signupReads: new DynamoSignupReads(client, table, keys),
    abuse: { ...stack.deps.abuse!, rateLimiter: new DynamoRateLimiter(client, table) },
  };
  app = createApp(deps, { clientIp: () => '192.0.2.90', logger });
});
afterAll(async () => {
  await proxy?.close();
  await stack?.close();
});

const json = (body: unknown) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

describe('DynamoDB throttling and 5xx', () => {
  it('signups with 20% of DynamoDB calls failing: 202 or a clear 503, never a 500; every record parses; a retry after the faults succeeds', async () => {
    random = mulberry32(42);
    faults.share = 0.2;
    const emails = Array.from({ length: 150 }, () => uniqueEmail('fault'));
    const answers = new Map<string, number>();
    for (let i = 0; i < emails.length; i += 10) {
      await Promise.all(
        emails.slice(i, i + 10).map(async (email) => {
          const response = await app.request('/api/subscribe', json({ email }));
          answers.set(email, response.status);
          if (response.status === 503) {
            expect(await response.json()).toMatchObject({
              error: { code: 'unavailable', message: expect.stringMatching(/try again/i) },
            });
          }
        }),
      );
    }
    const statuses = [...answers.values()];
    console.log(
      `faults: ${faults.calls} DynamoDB calls, ${faults.injected.before} failed before and ${faults.injected.after} after the table; answers ${JSON.stringify(count(statuses))}`,
    );
    expect(statuses.every((s) => s === 202 || s === 503)).toBe(true);
    expect(statuses.filter((s) => s === 503).length).toBeGreaterThan(0);
    expect(logs.filter((l) => l.level === 'ERROR')).toEqual([]);

    faults.share = 0;
    const schema = subscriberSchema(stack.deps.publication.topics.map((t) => t.id));
    for (const email of emails) {
      const record = await stack.deps.subscribers.get(subscriberIdFor(email));
      if (answers.get(email) === 202) expect(record, `${email} was answered 202`).toBeDefined();
      if (record) expect(schema.safeParse(record).success, JSON.stringify(record)).toBe(true);
    }
    // Nobody is stuck: every address that was answered 503 can sign up now. (A claim whose answer
    // was lost holds back a second email for the one-minute cooldown; the answer is still 202.)
    for (const email of emails.filter((e) => answers.get(e) === 503)) {
      expect((await app.request('/api/subscribe', json({ email }))).status).toBe(202);
      expect(await stack.deps.subscribers.get(subscriberIdFor(email))).toMatchObject({
        state: 'pending',
      });
    }
    // No address got two confirmations out of the retries.
    let withoutEmail = 0;
    for (const email of emails) {
      const received = (await emailsTo(stack.sesEndpoint, email)).length;
      expect(received).toBeLessThanOrEqual(1);
      if (received === 0) withoutEmail++;
    }
    // Known gap (SECURITY.md): when the write claiming a confirmation was applied but its answer
    // lost, the retry within the minute's cooldown sends nothing; the reader's next try after it does.
    console.log(
      `faults: after one retry each, ${withoutEmail} of ${emails.length} addresses are still waiting for the cooldown to get their email`,
    );
    // 150 signups, 110 retries and 150 inboxes read once the outbox has sent: more than the
    // default 30 s on a loaded 2-core machine.
  }, 90_000);

  it('the reader routes under faults: 503 pages, never 500', async () => {
    random = mulberry32(9);
    faults.share = 0;
    const email = uniqueEmail('fault-reader');
    await app.request('/api/subscribe', json({ email }));
    const confirmation = (await emailsTo(stack.sesEndpoint, email))[0]!;
    const confirmPath = new URL(
      /https?:\/\/\S+\/confirm\/[A-Za-z0-9._~-]+/.exec(confirmation.body.text!)![0],
    ).pathname;
    faults.share = 0.6;
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++)
      statuses.push((await app.request(confirmPath, { method: 'POST' })).status);
    faults.share = 0;
    console.log(`faults: confirm answers ${JSON.stringify(count(statuses))}`);
    expect(statuses.every((s) => s === 200 || s === 503)).toBe(true);
    expect(statuses).toContain(503);
    expect((await app.request(confirmPath, { method: 'POST' })).status).toBe(200);
    expect(await stack.deps.subscribers.get(subscriberIdFor(email))).toMatchObject({
      state: 'confirmed',
    });
  });
});

function count(values: number[]) {
  const out: Record<number, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}

/** A small seeded generator: the same faults on every run. */
function mulberry32(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
