/**
 * SES's receipt for an outbox email: a claim whose sender never recorded SES's answer (killed, or
 * the answer lost) is settled by SES's own event about that attempt, or, with no receipt by the
 * end of its window, sent again. In memory with a fake clock, so "not before" is exact; the local
 * stack's version, on the SES emulator, is tests/integration/outbox-receipts.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { handleSesEvent, type SesEvent } from '../../functions/core/events/ses-events.js';
import { claimed, OUTBOX_EXPIRY_MS, RECEIPT_WINDOW_MS } from '../../functions/core/outbox/entry.js';
import { drainOutbox } from '../../functions/core/outbox/drain.js';
import { listGivenUp, queueMessage } from '../../functions/core/outbox/manage.js';
import { fromTagValue, OUTBOX_TAGS, tagValue } from '../../functions/core/outbox/tags.js';
import { MailFailure, type OutgoingMessage } from '../../functions/core/ports.js';
import { confirmSubscription } from '../../functions/core/subscribers/confirm.js';
import { subscribe } from '../../functions/core/subscribers/subscribe.js';
import { subscriberIdFor } from '../../functions/core/subscribers/subscriber.js';
import { linkIn, memoryDeliveryDeps, tokenOf, uniqueEmail } from '../support/builders.js';

type Deps = ReturnType<typeof memoryDeliveryDeps>;

/** An SES event about a message, as SES publishes it: the message's tags, each as a list. */
const eventAbout = (
  type: 'Send' | 'Delivery',
  message: OutgoingMessage,
  messageId: string,
): SesEvent => ({
  eventType: type,
  mail: {
    messageId,
    timestamp: '2026-11-28T09:00:01.000Z',
    destination: [message.to],
    tags: Object.fromEntries(Object.entries(message.tags ?? {}).map(([k, v]) => [k, [v]])),
  },
  ...(type === 'Delivery' ? { delivery: { timestamp: '2026-11-28T09:00:02.000Z' } } : {}),
});

/** A sender killed between its claim and SES's answer: the claim is all it left. */
async function killedMidSend(deps: Deps, email: string) {
  await subscribe(deps, { email }, 'hosted');
  return claimNow(deps, email);
}

async function claimNow(deps: Deps, email: string) {
  const record = (await deps.subscribers.get(subscriberIdFor(email)))!;
  const claim = claimed(record.outbox!, deps.clock.now());
  await deps.subscribers.save({ ...record, outbox: claim, version: record.version + 1 });
  return claim;
}

/** SES takes every message and the answer never reaches the sender (a reset after the request). */
function answersLost(deps: Deps) {
  const accepted: OutgoingMessage[] = [];
  deps.mailer.send = async (message) => {
    accepted.push(message);
    throw new MailFailure('unknown', 'socket hang up');
  };
  return accepted;
}

const entryOf = async (deps: Deps, email: string) =>
  (await deps.subscribers.get(subscriberIdFor(email)))!.outbox!;

describe('an outbox email whose sender lost track of it', () => {
  it('is sent again once its receipt window has passed without a receipt, and not a moment before', async () => {
    const deps = memoryDeliveryDeps();
    const email = uniqueEmail();
    const killed = await killedMidSend(deps, email);

    deps.clock.advance(RECEIPT_WINDOW_MS - 1);
    expect((await drainOutbox(deps)).sent).toBe(0);
    expect(deps.mailer.to(email)).toHaveLength(0);
    deps.clock.advance(1);
    expect((await drainOutbox(deps)).sent).toBe(1);

    const [resent] = deps.mailer.to(email);
    expect(resent!.subject).toMatch(/^Confirm/);
    expect(resent!.tags![OUTBOX_TAGS.entry]).toBe(killed.id);
    expect(resent!.tags![OUTBOX_TAGS.attempt]).not.toBe(killed.attemptId);
    expect(await entryOf(deps, email)).toMatchObject({
      state: 'sent',
      attempts: 2,
      resent: `interrupted; SES has no receipt for attempt ${killed.attemptId}; resent`,
    });
    expect((await drainOutbox(deps)).sent).toBe(0);
  });

  it('after an SES answer that proves nothing, waits for the receipt, then sends again, saying why', async () => {
    const deps = memoryDeliveryDeps();
    const email = uniqueEmail();
    await subscribe(deps, { email }, 'hosted');
    deps.mailer.failWith = () => new MailFailure('unknown', 'socket hang up');
    expect(await drainOutbox(deps)).toMatchObject({ sent: 0, unconfirmed: 1 });
    const waiting = await entryOf(deps, email);
    expect(waiting).toMatchObject({ state: 'sending', reason: expect.stringMatching(/^unknown/) });
    deps.mailer.failWith = undefined;

    deps.clock.advance(RECEIPT_WINDOW_MS - 1);
    await drainOutbox(deps);
    expect(deps.mailer.to(email)).toHaveLength(0);
    deps.clock.advance(1);
    await drainOutbox(deps);
    expect(deps.mailer.to(email)).toHaveLength(1);
    expect((await entryOf(deps, email)).resent).toBe(
      `SES did not answer (unknown: socket hang up); SES has no receipt for attempt ${waiting.attemptId}; resent`,
    );
  });

  it('is settled as sent by SES’s receipt, and never sent again; a second receipt changes nothing', async () => {
    const deps = memoryDeliveryDeps();
    const email = uniqueEmail();
    await subscribe(deps, { email }, 'hosted');
    const accepted = answersLost(deps);
    expect((await drainOutbox(deps)).unconfirmed).toBe(1);

    const receipt = eventAbout('Send', accepted[0]!, 'ses-message-1');
    expect(await handleSesEvent(deps, receipt)).toMatchObject({ receipt: 'settled' });
    const settled = (await deps.subscribers.get(subscriberIdFor(email)))!;
    expect(settled.outbox).toMatchObject({
      state: 'sent',
      messageId: 'ses-message-1',
      sentAt: '2026-11-28T09:00:01.000Z',
      receipt: 'Send',
    });

    // Again, and as the delivery that follows it: nothing more is written.
    expect(await handleSesEvent(deps, receipt)).toMatchObject({ receipt: 'known' });
    const delivery = eventAbout('Delivery', accepted[0]!, 'ses-message-1');
    expect(await handleSesEvent(deps, delivery)).toMatchObject({ receipt: 'known' });
    expect(await deps.subscribers.get(subscriberIdFor(email))).toEqual(settled);
    deps.clock.advance(2 * RECEIPT_WINDOW_MS);
    expect((await drainOutbox(deps)).sent).toBe(0);
    expect(accepted).toHaveLength(1);
  });

  it('is given up, not sent, when the window ends after its expiry; a receipt for it still settles it', async () => {
    const deps = memoryDeliveryDeps();
    const email = uniqueEmail();
    await subscribe(deps, { email }, 'hosted');
    deps.clock.advance(OUTBOX_EXPIRY_MS - RECEIPT_WINDOW_MS / 2);
    const killed = await claimNow(deps, email);
    deps.clock.advance(RECEIPT_WINDOW_MS);
    expect((await drainOutbox(deps)).failed).toBe(1);
    expect(deps.mailer.to(email)).toHaveLength(0);
    const [given] = await listGivenUp(deps);
    expect(given!.entry.reason).toBe(
      `expired: interrupted; SES has no receipt for attempt ${killed.attemptId}`,
    );

    // SES had it after all, and its receipt was merely late: the entry says so.
    const tags = {
      [OUTBOX_TAGS.holder]: 'subscriber',
      [OUTBOX_TAGS.id]: subscriberIdFor(email),
      [OUTBOX_TAGS.entry]: killed.id,
      [OUTBOX_TAGS.attempt]: killed.attemptId!,
    };
    const late = eventAbout('Send', { to: email, subject: '', html: '', text: '', tags }, 'm-1');
    expect(await handleSesEvent(deps, late)).toMatchObject({ receipt: 'settled' });
    expect(await entryOf(deps, email)).toMatchObject({ state: 'sent', messageId: 'm-1' });
    expect(await listGivenUp(deps)).toEqual([]);
  });

  it('settles a test send (its own item) from the receipt alike', async () => {
    const deps = memoryDeliveryDeps();
    const to = uniqueEmail();
    const id = await queueMessage(deps, { to, subject: 'Test', html: '<p>t</p>', text: 't' });
    const accepted = answersLost(deps);
    await drainOutbox(deps);
    expect(accepted[0]!.tags).toMatchObject({ [OUTBOX_TAGS.holder]: 'message' });
    await handleSesEvent(deps, eventAbout('Delivery', accepted[0]!, 'ses-test-1'));
    expect((await deps.outbox.getMessage(id))!.outbox).toMatchObject({
      state: 'sent',
      messageId: 'ses-test-1',
      receipt: 'Delivery',
    });
    deps.clock.advance(2 * RECEIPT_WINDOW_MS);
    await drainOutbox(deps);
    expect(accepted).toHaveLength(1);
  });
});

describe('a receipt that is not for the entry held now', () => {
  it('changes nothing when it comes for an attempt already sent again, and says so', async () => {
    const deps = memoryDeliveryDeps();
    const email = uniqueEmail();
    const killed = await killedMidSend(deps, email);
    deps.clock.advance(RECEIPT_WINDOW_MS);
    await drainOutbox(deps);
    const before = await deps.subscribers.get(subscriberIdFor(email));

    // The killed attempt's receipt, too late: SES did have it after all.
    const [resent] = deps.mailer.to(email);
    const tags = { ...resent!.tags, [OUTBOX_TAGS.attempt]: killed.attemptId! };
    const late = eventAbout('Send', { ...resent!, tags }, 'ses-late');
    expect(await handleSesEvent(deps, late)).toMatchObject({ receipt: 'superseded' });
    expect(await deps.subscribers.get(subscriberIdFor(email))).toEqual(before);
  });

  it('never touches a newer email in the same slot', async () => {
    const deps = memoryDeliveryDeps();
    const email = uniqueEmail();
    await subscribe(deps, { email }, 'hosted');
    await drainOutbox(deps);
    const [confirmation] = deps.mailer.to(email);
    await confirmSubscription(deps, tokenOf(linkIn(confirmation!.text, 'confirm')));
    const withWelcome = await deps.subscribers.get(subscriberIdFor(email));
    expect(withWelcome!.outbox).toMatchObject({ kind: 'welcome', state: 'queued' });

    const delivery = eventAbout('Delivery', confirmation!, 'ses-confirmation');
    expect(await handleSesEvent(deps, delivery)).toMatchObject({ receipt: 'unrelated' });
    expect((await deps.subscribers.get(subscriberIdFor(email)))!.outbox).toEqual(
      withWelcome!.outbox,
    );
  });
});

describe('outbox tags', () => {
  it('keep ids SES accepts as they are and encode any other, reversibly', () => {
    for (const id of ['b1PZ_x-9aQ', '3f0c6e1e-5a43-4bd4-9b70-1f6a4a1d2c3e'])
      expect(tagValue(id)).toBe(id);
    for (const odd of ['a b/c', 'ünï', 'a.b@c', 'b64-looks-encoded']) {
      expect(tagValue(odd)).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(fromTagValue(tagValue(odd))).toBe(odd);
    }
  });
});
