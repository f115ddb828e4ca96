import { describe, expect, it } from 'vitest';
import { transactionalBudget } from '../../functions/core/delivery/rate-budget.js';
import { SendPaceUnavailable } from '../../functions/core/delivery/transactional-presence.js';
import { drainOutbox } from '../../functions/core/outbox/drain.js';
import { listGivenUp, retryGivenUp } from '../../functions/core/outbox/manage.js';
import { MailFailure } from '../../functions/core/ports.js';
import { confirmSubscription } from '../../functions/core/subscribers/confirm.js';
import { unsubscribe } from '../../functions/core/subscribers/manage.js';
import { subscribe } from '../../functions/core/subscribers/subscribe.js';
import { subscriberIdFor } from '../../functions/core/subscribers/subscriber.js';
import { linkIn, memoryDeliveryDeps, tokenOf, uniqueEmail } from '../support/builders.js';
import { importText } from '../support/imports.js';

const csv = (n: number) =>
  `email,topics\n${Array.from({ length: n }, (_, i) => `imported.${i}@example.com,security`).join('\n')}\n`;

describe('the outbox', () => {
  it('sends an import’s confirmations once each, at the transactional share of the rate', async () => {
    const deps = memoryDeliveryDeps();
    deps.quota.quota = { maxSendRate: 50, max24HourSend: 1_000, sentLast24Hours: 0 };
    // 50/s × 1 (the fraction here) × 0.2: 10 a second, 100 ms apart.
    deps.budget = transactionalBudget(deps.quota, deps.pacing, deps.monotonic, deps.sleep);
    const sentAt: number[] = [];
    const send = deps.mailer.send.bind(deps.mailer);
    deps.mailer.send = (message) => {
      sentAt.push(deps.monotonic());
      return send(message);
    };

    const report = await importText(deps, csv(30));
    expect(report).toMatchObject({ imported: 0, confirmationsQueued: 30, errors: [] });
    expect(deps.mailer.sent).toHaveLength(0);

    const [a, b] = await Promise.all([drainOutbox(deps), drainOutbox(deps)]);
    expect(a.sent + b.sent).toBe(30);
    expect(new Set(deps.mailer.sent.map((m) => m.to)).size).toBe(30);
    expect(sentAt.at(-1)! - sentAt[0]!).toBeGreaterThanOrEqual(29 * 100);
    expect((await drainOutbox(deps)).sent).toBe(0);
    expect(await deps.subscribers.get(subscriberIdFor('imported.0@example.com'))).toMatchObject({
      state: 'pending',
      confirmationsInWindow: 1,
      outbox: { kind: 'confirmation', state: 'sent', messageId: expect.any(String) },
    });
  });

  it('keeps a throttled email queued with backoff, and sends it once SES takes it again', async () => {
    const deps = memoryDeliveryDeps();
    await importText(deps, csv(3));
    deps.mailer.failWith = () => new MailFailure('throttled', 'Maximum sending rate exceeded');
    expect(await drainOutbox(deps)).toMatchObject({ sent: 0, retry: 1 });
    for (let minute = 0; minute < 10; minute++) {
      deps.clock.advance(60_000);
      await drainOutbox(deps);
    }
    expect(deps.mailer.sent).toHaveLength(0);
    deps.mailer.failWith = undefined;
    deps.clock.advance(10 * 60_000);
    expect((await drainOutbox(deps)).sent).toBe(3);
    expect(deps.mailer.sent).toHaveLength(3);
  });

  it('gives up only once the link would have expired, and an editor can queue it again', async () => {
    const deps = memoryDeliveryDeps();
    const email = uniqueEmail();
    await subscribe(deps, { email }, 'hosted');
    deps.mailer.failWith = () => new MailFailure('throttled', 'Maximum sending rate exceeded');
    for (let hour = 0; hour < 47; hour++) {
      deps.clock.advance(3600_000);
      await drainOutbox(deps);
    }
    expect(await listGivenUp(deps)).toHaveLength(0);
    deps.clock.advance(2 * 3600_000);
    await drainOutbox(deps);
    const [given] = await listGivenUp(deps);
    expect(given).toMatchObject({ holder: 'subscriber', to: email, entry: { state: 'failed' } });
    expect(given!.entry.reason).toMatch(/expired.*throttled/);

    deps.mailer.failWith = undefined;
    await retryGivenUp(deps, 'subscriber', given!.id);
    expect(await listGivenUp(deps)).toHaveLength(0);
    await drainOutbox(deps);
    expect(deps.mailer.to(email)).toHaveLength(1);
    await expect(retryGivenUp(deps, 'subscriber', given!.id)).rejects.toMatchObject({
      code: 'not_found',
    });
  });

  it('hands a claim back when no slot can be had (the sender registry failing): sent later, never given up as ambiguous', async () => {
    const deps = memoryDeliveryDeps();
    const email = uniqueEmail();
    await subscribe(deps, { email }, 'hosted');
    const budget = deps.budget;
    deps.budget = {
      take: async () => {
        throw new SendPaceUnavailable('could not register transactional mail', {
          cause: new Error('DynamoDB unavailable'),
        });
      },
    };
    expect(await drainOutbox(deps)).toMatchObject({ sent: 0, retry: 1 });
    expect((await deps.subscribers.get(subscriberIdFor(email)))!.outbox).toMatchObject({
      state: 'queued',
      reason: expect.stringMatching(/not sent: SendPaceUnavailable/),
    });
    deps.budget = budget;
    deps.clock.advance(60_000); // past its backoff
    expect(await drainOutbox(deps)).toMatchObject({ sent: 1, failed: 0 });
    expect(deps.mailer.to(email)).toHaveLength(1);
    expect(await listGivenUp(deps)).toHaveLength(0);
  });

  it('queues the welcome with the confirmation, and drops an email whose reason has gone', async () => {
    const deps = memoryDeliveryDeps();
    const [reader, leaver] = [uniqueEmail(), uniqueEmail()];
    await subscribe(deps, { email: reader }, 'hosted');
    await subscribe(deps, { email: leaver }, 'hosted');
    await drainOutbox(deps);
    await confirmSubscription(deps, tokenOf(linkIn(deps.mailer.to(reader)[0]!.text, 'confirm')));
    await confirmSubscription(deps, tokenOf(linkIn(deps.mailer.to(leaver)[0]!.text, 'confirm')));
    const welcome = (await deps.subscribers.get(subscriberIdFor(leaver)))!.outbox!;
    expect(welcome).toMatchObject({ kind: 'welcome', state: 'queued' });
    // The leaver unsubscribes before the outbox reaches their welcome.
    const { readerLinks } = await import('../../functions/core/links.js');
    await unsubscribe(
      deps,
      tokenOf(readerLinks(deps.publication, deps.signer, subscriberIdFor(leaver)).unsubscribe),
    );
    expect(await drainOutbox(deps)).toMatchObject({ sent: 1, cancelled: 1 });
    expect(deps.mailer.to(reader).map((m) => m.subject)).toEqual([
      'Confirm your subscription to The Test Gazette',
      'Welcome to The Test Gazette',
    ]);
    expect(deps.mailer.to(leaver)).toHaveLength(1);
  });

  it('drops an import’s queued confirmation when the reader signs up meanwhile: one email, not two', async () => {
    const deps = memoryDeliveryDeps();
    await importText(deps, csv(1));
    deps.clock.advance(5 * 60_000);
    await subscribe(deps, { email: 'imported.0@example.com' }, 'hosted');
    await drainOutbox(deps);
    expect(deps.mailer.to('imported.0@example.com')).toHaveLength(1);
  });
});
