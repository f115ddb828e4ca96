import { describe, expect, it } from 'vitest';
import { sendQueuedConfirmations } from '../../functions/core/delivery/confirmation-queue.js';
import { MailFailure } from '../../functions/core/ports.js';
import { importCsv } from '../../functions/core/subscribers/csv.js';
import { subscriberIdFor } from '../../functions/core/subscribers/subscriber.js';
import { linkIn, memoryDeliveryDeps } from '../support/builders.js';

describe('confirmations queued by an import', () => {
  const csv = (n: number) =>
    `email,topics\n${Array.from({ length: n }, (_, i) => `imported.${i}@example.com,security`).join('\n')}\n`;

  it('are not mailed by the import itself, then each goes out once with the tick, paced', async () => {
    const deps = memoryDeliveryDeps();
    deps.quota.quota = { maxSendRate: 10, max24HourSend: 1_000, sentLast24Hours: 0 };
    const sentAt: number[] = [];
    const send = deps.mailer.send.bind(deps.mailer);
    deps.mailer.send = (message) => {
      sentAt.push(deps.monotonic());
      return send(message);
    };

    const report = await importCsv(deps, csv(30));
    expect(report).toMatchObject({ imported: 0, confirmationsQueued: 30, errors: [] });
    expect(deps.mailer.sent).toHaveLength(0);

    const [a, b] = await Promise.all([
      sendQueuedConfirmations(deps),
      sendQueuedConfirmations(deps),
    ]);
    expect(a.sent + b.sent).toBe(30);
    expect(deps.mailer.sent).toHaveLength(30);
    expect(new Set(deps.mailer.sent.map((m) => m.to)).size).toBe(30);
    // 10 a second: each run spaced its sends 100 ms apart (the two share the clock, as they share time).
    expect(sentAt.at(-1)! - sentAt[0]!).toBeGreaterThanOrEqual(
      (Math.max(a.sent, b.sent) - 1) * 100,
    );
    expect(linkIn(deps.mailer.sent[0]!.text, 'confirm')).toMatch(/\/confirm\//);
    expect(await sendQueuedConfirmations(deps)).toEqual({ sent: 0 });
    expect(await deps.subscribers.get(subscriberIdFor('imported.0@example.com'))).toMatchObject({
      state: 'pending',
      confirmationQueuedAt: undefined,
      confirmationsInWindow: 1,
    });
  });

  it('puts a reader back in the queue when SES refuses, and stops until the next tick', async () => {
    const deps = memoryDeliveryDeps();
    await importCsv(deps, csv(5));
    deps.mailer.failWith = () => new MailFailure('throttled', 'Maximum sending rate exceeded');
    expect(await sendQueuedConfirmations(deps)).toEqual({ sent: 0 });
    expect(await deps.subscribers.listQueuedConfirmations(10)).toHaveLength(5);
    deps.mailer.failWith = undefined;
    expect(await sendQueuedConfirmations(deps)).toEqual({ sent: 5 });
  });

  it('are dropped when the reader signs up through a form meanwhile: one confirmation, not two', async () => {
    const deps = memoryDeliveryDeps();
    await importCsv(deps, csv(1));
    deps.clock.advance(5 * 60_000);
    const { subscribe } = await import('../../functions/core/subscribers/subscribe.js');
    await subscribe(deps, { email: 'imported.0@example.com' }, 'hosted');
    expect(await sendQueuedConfirmations(deps)).toEqual({ sent: 0 });
    expect(deps.mailer.to('imported.0@example.com')).toHaveLength(1);
  });
});
