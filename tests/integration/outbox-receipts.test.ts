/**
 * SES's receipt for an outbox email, on the local stack: the SES gateway publishes its events to
 * the ses-events handler, as SES does through EventBridge, and a fault proxy between the sender and
 * SES loses SES's answers. What the SES emulator received is the proof.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOutboxDeps, parseConfig } from '../../functions/config.js';
import { createApiKey } from '../../functions/core/access/api-keys.js';
import { drainOutbox } from '../../functions/core/outbox/drain.js';
import type { OutboxEntry } from '../../functions/core/outbox/entry.js';
import { OUTBOX_TAGS } from '../../functions/core/outbox/tags.js';
import { subscriberIdFor } from '../../functions/core/subscribers/subscriber.js';
import { handler as sesEventsHandler } from '../../functions/handlers/ses-events.js';
import { lambdaContext } from '../../local/lambda-context.js';
import type { LocalStack } from '../../local/stack.js';
import { uniqueEmail } from '../support/builders.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { sesSendEvent } from '../support/lambda-events.js';
import { quietLogger } from '../support/logger.js';
import { emailsTo, startTestStack } from '../support/stack.js';

const WINDOW_MS = 4_000;
let stack: LocalStack;
let ses: FaultProxy;
let deps: Awaited<ReturnType<typeof buildOutboxDeps>>;

beforeAll(async () => {
  // The test drains the outbox itself, through the proxy; SES's events still reach the handler.
  stack = await startTestStack(
    {
      OUTBOX_RECEIPT_WINDOW_SECONDS: String(WINDOW_MS / 1000),
      SES_REQUEST_TIMEOUT_MS: '2000',
      TRANSACTIONAL_RATE_SHARE: '1',
    },
    { outbox: false },
  );
  ses = await startFaultProxy({ upstream: stack.sesGateway!.url });
  // The SDK's standard variable, as on Lambda: the sender's SES client goes through the proxy.
  process.env.AWS_ENDPOINT_URL_SES = ses.url;
  deps = await buildOutboxDeps(parseConfig(process.env), quietLogger());
});
afterAll(async () => {
  await ses?.close();
  await stack?.close();
});

const signUp = async (email: string) => {
  const response = await fetch(`${stack.appUrl}/api/subscribe`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email }),
  });
  expect(response.status).toBe(202);
};
const recordOf = async (email: string) =>
  (await stack.deps.subscribers.get(subscriberIdFor(email)))!;
/** Hands the handler a Send event naming this entry and attempt, as EventBridge would. */
const receiptFor = (email: string, entry: OutboxEntry, attemptId: string, messageId: string) =>
  sesEventsHandler(
    sesSendEvent({
      messageId,
      recipient: email,
      configurationSet: 'local',
      from: 'news@example.com',
      tags: {
        [OUTBOX_TAGS.holder]: ['subscriber'],
        [OUTBOX_TAGS.id]: [subscriberIdFor(email)],
        [OUTBOX_TAGS.entry]: [entry.id],
        [OUTBOX_TAGS.attempt]: [attemptId],
      },
    }) as never,
    lambdaContext('sesEvents', 30_000),
  );

/** A workspace page, as a signed-in editor sees it. */
async function editorsView(path: string) {
  const { key } = await createApiKey(stack.deps, {
    name: 'Receipts editor',
    email: 'receipts.editor@example.org',
    role: 'editor',
  });
  const signedIn = await fetch(`${stack.appUrl}/admin/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ key }).toString(),
    redirect: 'manual',
  });
  const cookie = signedIn.headers.get('set-cookie')!.split(';')[0]!;
  return (await fetch(`${stack.appUrl}${path}`, { headers: { cookie } })).text();
}

describe('an outbox email whose sender never heard SES answer', () => {
  it('is settled by SES’s receipt when SES took it, and never sent again', async () => {
    const email = uniqueEmail('receipt');
    await signUp(email);
    // SES takes the message; the sender's connection is then cut, so it never learns.
    ses.setPolicy((r) => (r.operation === 'SendRawEmail' ? { kind: 'drop' } : { kind: 'pass' }));
    expect(await drainOutbox(deps)).toMatchObject({ sent: 0, unconfirmed: 1 });
    ses.setPolicy(() => ({ kind: 'pass' }));
    await stack.sesGateway!.settled();

    const [received] = await emailsTo(stack.sesEndpoint, email);
    const settled = await recordOf(email);
    // The gateway publishes SES's Send and Delivery events for the message; either one proves SES
    // took it, and whichever the event handler reads first is the one the entry keeps.
    expect(settled.outbox).toMatchObject({
      state: 'sent',
      receipt: expect.stringMatching(/^(Send|Delivery)$/),
      messageId: received!.messageId,
    });

    // The same receipt again (EventBridge delivers at least once): nothing changes.
    await receiptFor(email, settled.outbox!, settled.outbox!.attemptId!, received!.messageId);
    expect(await recordOf(email)).toEqual(settled);
    await sleep(WINDOW_MS + 200);
    await drainOutbox(deps);
    expect(await emailsTo(stack.sesEndpoint, email)).toHaveLength(1);
  }, 30_000);

  it('is sent again once its window has passed without a receipt, not before; a late receipt for the lost attempt changes nothing', async () => {
    const email = uniqueEmail('no-receipt');
    await signUp(email);
    // A 500 that SES never saw: the sender cannot tell it from one after SES took the message.
    ses.setPolicy((r) => (r.operation === 'SendRawEmail' ? { kind: 'fail' } : { kind: 'pass' }));
    expect(await drainOutbox(deps)).toMatchObject({ sent: 0, unconfirmed: 1 });
    ses.setPolicy(() => ({ kind: 'pass' }));
    await stack.sesGateway!.settled();
    const lost = (await recordOf(email)).outbox!;
    expect(lost).toMatchObject({ state: 'sending', reason: expect.stringMatching(/^unknown/) });

    // Half the window on: still waiting for SES's receipt.
    await sleep(Date.parse(lost.claimedAt!) + WINDOW_MS / 2 - Date.now());
    expect((await drainOutbox(deps)).sent).toBe(0);
    expect(await emailsTo(stack.sesEndpoint, email)).toHaveLength(0);

    await sleep(Date.parse(lost.claimedAt!) + WINDOW_MS - Date.now());
    expect((await drainOutbox(deps)).sent).toBe(1);
    await stack.sesGateway!.settled();
    const [received] = await emailsTo(stack.sesEndpoint, email);
    expect(received!.subject).toMatch(/^Confirm/);
    const resent = await recordOf(email);
    expect(resent.outbox).toMatchObject({
      state: 'sent',
      messageId: received!.messageId,
      resent: expect.stringContaining(`SES has no receipt for attempt ${lost.attemptId}; resent`),
    });

    // An editor looking at the reader sees why this email went a second time.
    const page = await editorsView(`/admin/subscribers/${subscriberIdFor(email)}`);
    expect(page).toContain(`Sent again: SES did not answer (unknown: InternalFailure`);
    expect(page).toContain(`SES has no receipt for attempt ${lost.attemptId}; resent`);

    // The lost attempt's receipt, had SES had it after all: too late to act on.
    const outcome = await receiptFor(email, lost, lost.attemptId!, 'ses-late-message');
    expect(outcome).toMatchObject({ receipt: 'superseded' });
    expect(await recordOf(email)).toEqual(resent);
    expect(await emailsTo(stack.sesEndpoint, email)).toHaveLength(1);
  }, 30_000);
});
