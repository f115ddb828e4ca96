/**
 * The outbox end to end on the local stack: requests only queue, the in-process sender (the same
 * drain as the Streams consumer) sends at SES's pace through the gateway (14/s), and what the SES
 * emulator received is the proof.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queuedEntry } from '../../functions/core/outbox/entry.js';
import type { LocalStack } from '../../local/stack.js';
import { aSubscriber, linkIn, uniqueEmail } from '../support/builders.js';
import { startTestStack, waitFor, type StoredEmail } from '../support/stack.js';

let stack: LocalStack;

beforeAll(async () => {
  // The whole service rate for transactional mail here: the burst checks exactly-once at SES's
  // 14/s, not the split (rate-budget has its own test).
  stack = await startTestStack({ TRANSACTIONAL_RATE_SHARE: '1' });
});
afterAll(async () => stack?.close());

const post = (path: string, body?: unknown) =>
  fetch(`${stack.appUrl}${path}`, {
    method: 'POST',
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });

/** Everything the SES emulator holds, by recipient. */
async function inbox(): Promise<Map<string, StoredEmail[]>> {
  const { emails } = (await (await fetch(`${stack.sesEndpoint}/store`)).json()) as {
    emails: StoredEmail[];
  };
  const by = new Map<string, StoredEmail[]>();
  for (const e of emails) for (const to of e.destination.to) by.set(to, [...(by.get(to) ?? []), e]);
  return by;
}

const subjectsOf = async (addresses: string[]) => {
  const all = await inbox();
  return addresses.map((a) => (all.get(a) ?? []).map((e) => e.subject.split(' ')[0]).sort());
};

/** How the dashboard's counters have moved since now, as the admin API and workspace read them. */
async function countsFrom() {
  const before = await stack.deps.subscribers.counts();
  return async (keys: string[]) => {
    const now = await stack.deps.subscribers.counts();
    return keys.map((k) => (now[k] ?? 0) - (before[k] ?? 0));
  };
}

describe('a burst of signups and confirmations at 14/s', () => {
  it('answers every request at once (no 5xx), and mails each confirmation and welcome exactly once', async () => {
    const readers = Array.from({ length: 60 }, () => uniqueEmail('burst'));
    const counted = await countsFrom();
    const signups = await Promise.all(readers.map((email) => post('/api/subscribe', { email })));
    expect(signups.map((r) => r.status)).toEqual(readers.map(() => 202));

    const confirmations = await waitFor(
      async () => {
        const all = await inbox();
        const found = readers.map((a) => all.get(a)?.[0]);
        return found.every(Boolean) ? (found as StoredEmail[]) : undefined;
      },
      'every confirmation',
      60_000,
    );
    const confirmed = await Promise.all(
      confirmations.map((c) => post(new URL(linkIn(c.body.text!, 'confirm')).pathname)),
    );
    expect(confirmed.map((r) => r.status)).toEqual(readers.map(() => 200));

    await waitFor(
      async () => ((await subjectsOf(readers)).every((s) => s.length >= 2) ? true : undefined),
      'every welcome',
      60_000,
    );
    await stack.outbox!.settled();
    expect(await subjectsOf(readers)).toEqual(readers.map(() => ['Confirm', 'Welcome']));
    expect(stack.sesGateway!.accepted.size).toBeGreaterThanOrEqual(readers.length);
    const today = new Date().toISOString().slice(0, 10);
    expect(await counted(['state:confirmed', 'state:pending', `joined:${today}`])).toEqual([
      60, 0, 60,
    ]);
  }, 120_000);
});

describe('SES refusing for a minute', () => {
  it('delays the emails, never drops or doubles one; the dashboard counts the signups once the outbox has taken them', async () => {
    const readers = Array.from({ length: 10 }, () => uniqueEmail('refused'));
    const counted = await countsFrom();
    stack.sesGateway!.setFaults({ throttle: 1 });
    const started = Date.now();
    for (const email of readers) expect((await post('/api/subscribe', { email })).status).toBe(202);
    await new Promise((resolve) => setTimeout(resolve, 60_000));
    expect((await subjectsOf(readers)).flat()).toEqual([]);
    const queued = await stack.deps.outbox.due(new Date(Date.now() + 3600_000), 100);
    expect(queued.filter((l) => readers.includes(l.to)).map((l) => l.entry.reason)).toEqual(
      readers.map(() => expect.stringMatching(/^throttled/)),
    );
    stack.sesGateway!.setFaults({});
    // An entry's backoff doubles up to 5 min: the last one tried within the minute waits at most
    // 64 s more (61 s on a quiet machine); the rest is room for a loaded one, where the full
    // suite beside it once took longer than 90 s.
    await waitFor(
      async () => ((await subjectsOf(readers)).every((s) => s.length === 1) ? true : undefined),
      'every delayed confirmation',
      150_000,
    );
    await stack.outbox!.settled();
    expect(await subjectsOf(readers)).toEqual(readers.map(() => ['Confirm']));
    expect(await stack.deps.outbox.failed(100)).toEqual([]);
    // Each signup's counter change rode on its record; the outbox's claims applied them, once.
    const today = new Date().toISOString().slice(0, 10);
    expect(await counted(['state:pending', `joined:${today}`])).toEqual([10, 10]);
    console.log(
      `refused for 60 s: all ${readers.length} delivered ${Date.now() - started} ms after the first signup`,
    );
  }, 260_000);
});

describe('signup timing', () => {
  it('answers a known address in the time of an unknown one (medians within 1.5×), and the same', async () => {
    const rounds = 60;
    const pending = Array.from({ length: rounds }, () => uniqueEmail('known'));
    const confirmed = Array.from({ length: rounds }, () =>
      aSubscriber({ email: uniqueEmail('member'), state: 'confirmed' }),
    );
    for (const email of pending) await post('/api/subscribe', { email });
    for (const reader of confirmed) await stack.deps.subscribers.create(reader);
    const suppressed = Array.from({ length: rounds }, () => uniqueEmail('suppressed'));
    for (const email of suppressed)
      await stack.deps.suppressions.suppress(email, 'bounce', new Date());
    const time = async (email: string) => {
      const started = performance.now();
      // With a name and a field: what they add to the write is the same whatever the address.
      const response = await post('/api/subscribe', {
        email,
        name: 'Ana Hoxha',
        fields: { city: 'Tirana' },
      });
      const ms = performance.now() - started;
      return { ms, answer: `${response.status} ${await response.text()}` };
    };
    const samples: Record<string, { ms: number; answer: string }[]> = {
      unknown: [],
      pending: [],
      confirmed: [],
      suppressed: [],
    };
    // Alternated, so drift in the machine's load lands on every kind alike.
    for (let i = 0; i < rounds; i++) {
      samples.unknown!.push(await time(uniqueEmail('new')));
      samples.pending!.push(await time(pending[i]!));
      samples.confirmed!.push(await time(confirmed[i]!.email));
      samples.suppressed!.push(await time(suppressed[i]!));
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const medians = Object.fromEntries(
      Object.entries(samples).map(([k, v]) => [k, median(v.map((s) => s.ms))]),
    );
    console.log(`signup medians (ms): ${JSON.stringify(medians)}`);
    const answers = new Set(Object.values(samples).flatMap((v) => v.map((s) => s.answer)));
    expect(answers.size).toBe(1);
    for (const kind of ['pending', 'confirmed', 'suppressed']) {
      expect(medians[kind]! / medians.unknown!, kind).toBeLessThan(1.5);
      expect(medians.unknown! / medians[kind]!, kind).toBeLessThan(1.5);
    }
  }, 120_000);
});

describe('imports and test sends', () => {
  it('go through the same outbox: an entry written straight into a record is sent once', async () => {
    const reader = aSubscriber({
      email: uniqueEmail('seeded'),
      state: 'pending',
      outbox: queuedEntry('confirmation', new Date()),
    });
    await stack.deps.subscribers.create(reader);
    await waitFor(
      async () => ((await subjectsOf([reader.email]))[0]!.length ? true : undefined),
      'the seeded confirmation',
    );
    await stack.outbox!.settled();
    expect(await subjectsOf([reader.email])).toEqual([['Confirm']]);
  });
});
