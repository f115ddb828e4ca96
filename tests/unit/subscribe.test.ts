import { describe, expect, it } from 'vitest';
import { DomainError } from '../../functions/core/errors.js';
import { MailFailure } from '../../functions/core/ports.js';
import { confirmSubscription } from '../../functions/core/subscribers/confirm.js';
import {
  resendConfirmation,
  subscribe,
  CONFIRMATIONS_PER_DAY,
} from '../../functions/core/subscribers/subscribe.js';
import { subscriberIdFor } from '../../functions/core/subscribers/subscriber.js';
import { delivered, linkIn, memoryDeps, tokenOf, uniqueEmail } from '../support/builders.js';

describe('subscribe (double opt-in)', () => {
  it('stores a pending subscriber with its consent record and mails one confirmation link', async () => {
    const deps = memoryDeps();
    const email = uniqueEmail();

    await subscribe(
      deps,
      { email: `  ${email.toUpperCase()} `, topics: ['security'], frequency: 'daily' },
      'hosted',
      { ip: '203.0.113.7', userAgent: 'Test/1.0' },
    );

    const stored = await deps.subscribers.get(subscriberIdFor(email));
    expect(stored).toMatchObject({
      email,
      state: 'pending',
      topics: ['security'],
      frequency: 'daily',
      consent: {
        form: 'hosted',
        ip: '203.0.113.7',
        userAgent: 'Test/1.0',
        at: '2026-11-28T09:00:00.000Z',
      },
    });
    const [mail, ...rest] = (await delivered(deps)).to(email);
    expect(rest).toHaveLength(0);
    expect(mail!.subject).toBe('Confirm your subscription to The Test Gazette');
    expect(linkIn(mail!.text, 'confirm')).toMatch(/^https:\/\/news\.example\.org\/confirm\//);
    expect(mail!.html).toContain(linkIn(mail!.text, 'confirm'));
  });

  it('defaults to every topic and a weekly digest', async () => {
    const deps = memoryDeps();
    const email = uniqueEmail();
    await subscribe(deps, { email }, 'embed');
    expect(await deps.subscribers.get(subscriberIdFor(email))).toMatchObject({
      topics: ['security', 'politics', 'economy'],
      frequency: 'weekly',
    });
  });

  it('rejects bad input naming each field, and stores nothing', async () => {
    const deps = memoryDeps();
    const error = await subscribe(
      deps,
      { email: 'nope', topics: ['astrology'], frequency: 'hourly' },
      'api',
    ).catch((e) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect(error.code).toBe('invalid_input');
    expect(error.details.issues.map((i: { field: string }) => i.field).sort()).toEqual([
      'email',
      'frequency',
      'topics',
    ]);
    expect(deps.subscribers.items.size).toBe(0);
    expect((await delivered(deps)).sent).toHaveLength(0);
  });

  it('makes one subscriber and one email of many concurrent signups of one address', async () => {
    const deps = memoryDeps();
    const email = uniqueEmail();
    await Promise.all(Array.from({ length: 20 }, () => subscribe(deps, { email }, 'api')));
    expect(deps.subscribers.items.size).toBe(1);
    expect((await delivered(deps)).to(email)).toHaveLength(1);
  });

  it('resends to a pending address after a minute, at most three times a day', async () => {
    const deps = memoryDeps();
    const email = uniqueEmail();
    for (let i = 0; i < 10; i++) {
      await subscribe(deps, { email }, 'hosted');
      await delivered(deps); // the outbox sends each within a second, long before the next
      deps.clock.advance(5 * 60_000);
    }
    expect((await delivered(deps)).to(email)).toHaveLength(CONFIRMATIONS_PER_DAY);
    deps.clock.advance(24 * 3600_000);
    await subscribe(deps, { email }, 'hosted');
    expect((await delivered(deps)).to(email)).toHaveLength(CONFIRMATIONS_PER_DAY + 1);
  });

  it('gives a confirmed reader no email and leaves their choices alone (no list poisoning)', async () => {
    const deps = memoryDeps();
    const email = uniqueEmail();
    await subscribe(deps, { email, topics: ['economy'] }, 'hosted');
    await confirmSubscription(
      deps,
      tokenOf(linkIn((await delivered(deps)).sent[0]!.text, 'confirm')),
    );
    const before = (await delivered(deps)).sent.length;
    deps.clock.advance(3600_000);

    const result = await subscribe(deps, { email, topics: ['politics'] }, 'hosted');

    expect(result.confirmationQueued).toBe(false);
    expect((await delivered(deps)).sent).toHaveLength(before);
    expect(await deps.subscribers.get(subscriberIdFor(email))).toMatchObject({
      state: 'confirmed',
      topics: ['economy'],
    });
  });

  it('asks an unsubscribed reader who signs up again to confirm again', async () => {
    const deps = memoryDeps();
    const email = uniqueEmail();
    await subscribe(deps, { email }, 'hosted');
    await delivered(deps);
    const id = subscriberIdFor(email);
    const current = (await deps.subscribers.get(id))!;
    await deps.subscribers.save({
      ...current,
      state: 'unsubscribed',
      version: current.version + 1,
    });
    deps.clock.advance(3600_000);

    await subscribe(deps, { email, topics: ['politics'] }, 'embed');

    expect(await deps.subscribers.get(id)).toMatchObject({
      state: 'pending',
      topics: ['politics'],
      consent: { form: 'embed' },
    });
    expect((await delivered(deps)).to(email)).toHaveLength(2);
  });

  it('when SES refuses, still answers at once, and the queued confirmation goes once SES takes it', async () => {
    const deps = memoryDeps();
    const email = uniqueEmail();
    deps.mailer.failWith = () => new MailFailure('throttled', 'Maximum sending rate exceeded');
    expect(await subscribe(deps, { email }, 'hosted')).toEqual({ confirmationQueued: true });
    expect((await delivered(deps)).to(email)).toHaveLength(0);
    expect(await deps.subscribers.get(subscriberIdFor(email))).toMatchObject({
      state: 'pending',
      outbox: { kind: 'confirmation', state: 'queued', attempts: 1 },
    });

    deps.mailer.failWith = undefined;
    deps.clock.advance(60_000);
    expect((await delivered(deps)).to(email)).toHaveLength(1);
  });

  it('resends a confirmation only to a reader who is still pending', async () => {
    const deps = memoryDeps();
    const email = uniqueEmail();
    await subscribe(deps, { email }, 'hosted');
    await delivered(deps);
    deps.clock.advance(49 * 3600_000);
    expect(await resendConfirmation(deps, subscriberIdFor(email))).toEqual({
      confirmationQueued: true,
    });
    await confirmSubscription(
      deps,
      tokenOf(linkIn((await delivered(deps)).to(email)[1]!.text, 'confirm')),
    );
    deps.clock.advance(3600_000);
    expect(await resendConfirmation(deps, subscriberIdFor(email))).toEqual({
      confirmationQueued: false,
    });
  });
});
