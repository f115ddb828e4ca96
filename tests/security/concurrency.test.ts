/**
 * Concurrency on one reader: 50 signups of one address at once, and 50 confirms racing 50
 * unsubscribes. Every write is conditional on the version read, so the outcome must be one
 * subscriber, at most one confirmation email, and a history of writes with no gaps or forks whose
 * last entry is what the table holds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SubscriberRepository } from '../../functions/core/ports.js';
import { subscriberIdFor, type Subscriber } from '../../functions/core/subscribers/subscriber.js';
import { createApp } from '../../functions/http/app.js';
import type { LocalStack } from '../../local/stack.js';
import { linkIn, uniqueEmail } from '../support/builders.js';
import { emailsTo, startTestStack } from '../support/stack.js';
import { buildOutboxDeps, parseConfig } from '../../functions/config.js';
import type { OutboxDeps } from '../../functions/core/outbox/deps.js';
import { drainOutbox } from '../../functions/core/outbox/drain.js';
import { subscriberSchema } from './subscriber-schema.js';
import { quietLogger } from '../support/logger.js';

let stack: LocalStack;
let app: ReturnType<typeof createApp>;
/** Every write the table accepted, in the order it answered. */
const accepted: Subscriber[] = [];
let outbox: OutboxDeps;

beforeAll(async () => {
  // The outbox is drained below through the recording decorator, so its writes are seen too.
  // SES's events are not handled: a send's receipt can settle the record before its sender does
  // (tests/unit/outbox-receipts.test.ts), a write the recorder would not see.
  stack = await startTestStack(
    { LOCAL_SES_MAX_SEND_RATE: '100000' },
    { outbox: false, sesEvents: false },
  );
  const real = stack.deps.subscribers;
  // A recording decorator: the adapters and the domain run unchanged; only accepted writes are noted.
  const recording: SubscriberRepository = {
    get: (id) => real.get(id),
    create: async (s) => {
      const ok = await real.create(s);
      if (ok) accepted.push(s);
      return ok;
    },
    save: async (s) => {
      const ok = await real.save(s);
      if (ok) accepted.push(s);
      return ok;
    },
    writeSignup: async (s, expected) => {
      const ok = await real.writeSignup(s, expected);
      if (ok) accepted.push(s);
      return ok;
    },
    listRecipients: (q) => real.listRecipients(q),
    countRecipients: (q) => real.countRecipients(q),
  } as SubscriberRepository;
  const subscribers = new Proxy(real, {
    get: (target, key) => (key in recording ? (recording as never)[key] : Reflect.get(target, key)),
  });
  app = createApp(
    { ...stack.deps, subscribers },
    { clientIp: () => '192.0.2.50', logger: quietLogger() },
  );
  outbox = { ...(await buildOutboxDeps(parseConfig(process.env), quietLogger())), subscribers };
});

/** What the reader received once the outbox (through the recorder) has sent what was due. */
const received = async (email: string) => {
  await drainOutbox(outbox);
  return emailsTo(stack.sesEndpoint, email);
};
afterAll(async () => stack?.close());

const json = (body: unknown) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});
const pathOf = (url: string) => new URL(url).pathname;

describe('one reader, many requests at once', () => {
  it('50 concurrent signups of one address: one subscriber, one confirmation email, the same answer to all', async () => {
    const email = uniqueEmail('race50');
    const responses = await Promise.all(
      Array.from({ length: 50 }, () =>
        app.request('/api/subscribe', json({ email, topics: ['security'] })),
      ),
    );
    const bodies = await Promise.all(responses.map((r) => r.text()));
    expect(responses.map((r) => r.status)).toEqual(Array(50).fill(202));
    expect(new Set(bodies).size).toBe(1);
    expect(await received(email)).toHaveLength(1);
    const record = await stack.deps.subscribers.get(subscriberIdFor(email));
    // Version 1 is the one signup write that landed; 2 and 3 the outbox's claim and receipt.
    expect(record).toMatchObject({
      state: 'pending',
      version: 3,
      confirmationsInWindow: 1,
      outbox: { kind: 'confirmation', state: 'sent' },
    });
    const writes = accepted.filter((s) => s.email === email);
    expect(writes.map((s) => [s.version, s.outbox?.state])).toEqual([
      [1, 'queued'],
      [2, 'sending'],
      [3, 'sent'],
    ]);
  });

  it('50 confirms racing 50 unsubscribes: confirmed or unsubscribed, as the last accepted write says; versions 1, 2, 3… without a gap', async () => {
    const email = uniqueEmail('confirm-vs-unsub');
    await app.request('/api/subscribe', json({ email }));
    const confirmation = (await received(email))[0]!;
    const confirmPath = pathOf(linkIn(confirmation.body.text!, 'confirm'));
    // The unsubscribe link of a pending reader: the same signer the emails use.
    const { readerLinks } = await import('../../functions/core/links.js');
    const unsubscribePath = pathOf(
      readerLinks(stack.deps.publication, stack.deps.signer, subscriberIdFor(email)).unsubscribe,
    );

    const requests = Array.from({ length: 100 }, (_, i) => (i % 2 ? confirmPath : unsubscribePath));
    const responses = await Promise.all(requests.map((p) => app.request(p, { method: 'POST' })));
    const statuses = responses.map((r) => r.status);
    console.log(
      `concurrency: confirm/unsubscribe answers ${JSON.stringify(Object.fromEntries([...new Set(statuses)].map((s) => [s, statuses.filter((x) => x === s).length])))}`,
    );
    // 409: a confirm that found the reader already unsubscribed. Never a 5xx.
    expect(statuses.every((s) => s === 200 || s === 409)).toBe(true);

    const final = (await stack.deps.subscribers.get(subscriberIdFor(email)))!;
    subscriberSchema(stack.deps.publication.topics.map((t) => t.id)).parse(final);
    expect(['confirmed', 'unsubscribed']).toContain(final.state);
    const history = accepted.filter((s) => s.email === email);
    // One write per version, each on top of the one before: no lost update, no fork.
    expect(history.map((s) => s.version)).toEqual(history.map((_, i) => i + 1));
    expect(history.at(-1)).toEqual(final);
    // Each change happened once: at most one confirmation, at most one unsubscription.
    expect(
      history.filter(
        (s, i) => i > 0 && s.state === 'confirmed' && history[i - 1]!.state !== 'confirmed',
      ).length,
    ).toBeLessThanOrEqual(1);
    expect(
      history.filter(
        (s, i) => i > 0 && s.state === 'unsubscribed' && history[i - 1]!.state !== 'unsubscribed',
      ).length,
    ).toBe(1);
    const welcomes = (await received(email)).filter((e) => e.subject.startsWith('Welcome'));
    expect(welcomes.length).toBeLessThanOrEqual(1);
  });
});
