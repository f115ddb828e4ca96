import { describe, expect, it } from 'vitest';
import { confirmSubscription } from '../../functions/core/subscribers/confirm.js';
import {
  resubscribe,
  unsubscribe,
  updatePreferences,
} from '../../functions/core/subscribers/manage.js';
import { subscribe } from '../../functions/core/subscribers/subscribe.js';
import { subscriberIdFor } from '../../functions/core/subscribers/subscriber.js';
import { delivered, linkIn, memoryDeps, tokenOf, uniqueEmail } from '../support/builders.js';

async function pendingReader() {
  const deps = memoryDeps();
  const email = uniqueEmail();
  await subscribe(deps, { email, topics: ['security'] }, 'hosted', { ip: '198.51.100.1' });
  const confirmToken = tokenOf(linkIn((await delivered(deps)).to(email)[0]!.text, 'confirm'));
  return { deps, email, id: subscriberIdFor(email), confirmToken };
}

describe('confirming', () => {
  it('confirms once, records who confirmed, and sends one welcome with list headers', async () => {
    const { deps, email, id, confirmToken } = await pendingReader();
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        confirmSubscription(deps, confirmToken, { ip: '198.51.100.2', userAgent: 'Browser' }),
      ),
    );
    expect(results.filter((r) => r.status === 'confirmed')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'already_confirmed')).toHaveLength(9);
    expect(await deps.subscribers.get(id)).toMatchObject({
      state: 'confirmed',
      consent: { ip: '198.51.100.1', confirmIp: '198.51.100.2', confirmUserAgent: 'Browser' },
    });
    const welcomes = (await delivered(deps))
      .to(email)
      .filter((m) => m.subject.startsWith('Welcome'));
    expect(welcomes).toHaveLength(1);
    expect(welcomes[0]!.headers?.['List-Unsubscribe']).toMatch(
      /^<https:\/\/news\.example\.org\/unsubscribe\/.+>$/,
    );
  });

  it('reports an expired link (48 h) without confirming, so the page can offer a new one', async () => {
    const { deps, id, confirmToken } = await pendingReader();
    deps.clock.advance(48 * 3600_000 + 1);
    expect(await confirmSubscription(deps, confirmToken)).toEqual({
      status: 'expired',
      subscriberId: id,
    });
    expect(await deps.subscribers.get(id)).toMatchObject({ state: 'pending' });
  });

  it('throws invalid_token for a tampered link and for an unsubscribe token', async () => {
    const { deps, id, confirmToken } = await pendingReader();
    await expect(confirmSubscription(deps, `${confirmToken}x`)).rejects.toMatchObject({
      code: 'invalid_token',
    });
    await expect(
      confirmSubscription(deps, deps.signer.sign('unsubscribe', id)),
    ).rejects.toMatchObject({ code: 'invalid_token' });
  });

  it('does not bring back a reader who unsubscribed before clicking an old confirmation link', async () => {
    const { deps, id, confirmToken } = await pendingReader();
    await unsubscribe(deps, deps.signer.sign('unsubscribe', id));
    expect(await confirmSubscription(deps, confirmToken)).toEqual({ status: 'not_pending' });
    expect(await deps.subscribers.get(id)).toMatchObject({ state: 'unsubscribed' });
  });
});

describe('unsubscribing and preferences', () => {
  it('unsubscribes at once and idempotently', async () => {
    const { deps, id, confirmToken } = await pendingReader();
    await confirmSubscription(deps, confirmToken);
    const token = deps.signer.sign('unsubscribe', id);
    const first = await unsubscribe(deps, token);
    const second = await unsubscribe(deps, token);
    expect(first.state).toBe('unsubscribed');
    expect(second).toMatchObject({ state: 'unsubscribed', unsubscribedAt: first.unsubscribedAt });
  });

  it('changes topics and frequency, refusing an empty topic list with the field named', async () => {
    const { deps, id, confirmToken } = await pendingReader();
    await confirmSubscription(deps, confirmToken);
    const token = deps.signer.sign('preferences', id);
    expect(
      await updatePreferences(deps, token, {
        topics: ['economy', 'politics'],
        frequency: 'immediate',
      }),
    ).toMatchObject({
      topics: ['economy', 'politics'],
      frequency: 'immediate',
      state: 'confirmed',
    });
    await expect(
      updatePreferences(deps, token, { topics: [], frequency: 'daily' }),
    ).rejects.toMatchObject({ details: { issues: [{ field: 'topics' }] } });
  });

  it('resubscribes an unsubscribed reader from the preferences link, but never a bounced one', async () => {
    const { deps, id, confirmToken } = await pendingReader();
    await confirmSubscription(deps, confirmToken);
    await unsubscribe(deps, deps.signer.sign('unsubscribe', id));
    expect((await resubscribe(deps, deps.signer.sign('preferences', id))).state).toBe('confirmed');

    const current = (await deps.subscribers.get(id))!;
    await deps.subscribers.save({ ...current, state: 'bounced', version: current.version + 1 });
    await expect(resubscribe(deps, deps.signer.sign('preferences', id))).rejects.toMatchObject({
      code: 'conflict',
    });
  });
});
