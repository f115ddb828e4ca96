import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queuedEntry } from '../../functions/core/outbox/entry.js';
import { subscriberIdFor } from '../../functions/core/subscribers/subscriber.js';
import { localSesEvents } from '../../local/ses-events.js';
import { startSesGateway, type SesGateway } from '../../local/ses-gateway.js';
import type { LocalStack } from '../../local/stack.js';
import { aSubscriber } from '../support/builders.js';
import { quietLogger } from '../support/logger.js';
import { seedReaders, startTestStack } from '../support/stack.js';

const READERS = 500;
/** Senders killed mid-send before the one that is left to finish. */
const KILLS = 8;
/**
 * The receipt window, short for the test but with room: locally a receipt arrives within
 * milliseconds, or a few seconds when the ses-events invoker retries it (1 s, then 2 s).
 */
const RECEIPT_WINDOW_SECONDS = 10;
let stack: LocalStack;
let ses: SesGateway;

beforeAll(async () => {
  // No sender in the test's process: the only one is the child this test kills.
  stack = await startTestStack({}, { outbox: false });
  // A fast SES that counts what it accepts and publishes its events to the ses-events handler
  // (in this process, as the local stack runs it): a killed sender's receipts come that way,
  // half a second later, as SES and EventBridge take a while (so a live sender's own write
  // nearly always comes first, as on AWS).
  ses = await startSesGateway({
    port: 0,
    maxSendRate: 100_000,
    eventDelayMs: 500,
    onEvent: localSesEvents({ dataDir: stack.dataDir, logger: quietLogger() }),
  });
});
afterAll(async () => {
  await ses?.close();
  await stack?.close();
});

/** `npm run outbox -- drain` as one process (no tsx wrapper), so SIGKILL kills the sender itself. */
function sender(seconds: number) {
  const env = {
    ...process.env,
    ...stack.env,
    DATA_DIR: stack.dataDir,
    AWS_ENDPOINT_URL_SES: ses.url,
    OUTBOX_DIR: '',
    SEND_RATE: '400',
    TRANSACTIONAL_RATE_SHARE: '1',
    OUTBOX_RECEIPT_WINDOW_SECONDS: String(RECEIPT_WINDOW_SECONDS),
    SES_REQUEST_TIMEOUT_MS: '5000',
  };
  return spawn(
    process.execPath,
    ['--import', 'tsx', 'cli/outbox.ts', 'drain', '--seconds', String(seconds)],
    {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
}

describe('the outbox sender killed again and again', () => {
  it(`mails each of ${READERS} queued confirmations exactly once: an interrupted send is settled by SES's receipt, or sent again once its window passed without one`, async () => {
    const readers = await seedReaders(stack, READERS, (i) =>
      aSubscriber({
        email: `outbox.kill.${i}@example.com`,
        state: 'pending',
        outbox: queuedEntry('confirmation', new Date()),
      }),
    );
    // Queued, or claimed and not settled yet (a killed sender's claim waits out its window).
    const unsettled = async () =>
      (await stack.deps.outbox.due(new Date(Date.now() + 3600_000), 100)).length;

    const acceptedSoFar = () => [...ses.accepted.values()].reduce((a, b) => a + b, 0);
    let kills = 0;
    // KILLS lives are killed somewhere in their sending, then one more drains what is left.
    for (let run = 0; run <= KILLS && (await unsettled()) > 0; run++) {
      const lastLife = run === KILLS;
      const child = sender(lastLife ? 240 : 60);
      let output = '';
      child.stderr.on('data', (d) => (output += d));
      const exited = once(child, 'exit');
      // A random moment after SES first hears from this life, not a fixed time after its start:
      // starting a process takes far longer on a loaded machine.
      const before = acceptedSoFar();
      let timer: NodeJS.Timeout | undefined;
      const kill = () => {
        kills++;
        child.kill('SIGKILL');
      };
      const watch = setInterval(async () => {
        if (timer) return;
        // The last life is stopped once nothing is left unsettled, a second after its last send.
        if (lastLife && (await unsettled()) === 0) timer = setTimeout(kill, 1000);
        else if (!lastLife && acceptedSoFar() > before)
          timer = setTimeout(kill, Math.random() * 400);
      }, 20);
      const [code] = await exited;
      clearInterval(watch);
      clearTimeout(timer);
      if (code !== null && code !== 0) throw new Error(`sender failed (${code}):\n${output}`);
    }
    await ses.settled();
    expect(await unsettled()).toBe(0);
    expect(kills).toBeGreaterThan(2);

    // What SES received: every reader once, none lost, none twice.
    const times = readers.map((r) => ses.accepted.get(r.email) ?? 0);
    expect(readers.filter((_, i) => times[i] !== 1)).toEqual([]);
    const records = await Promise.all(
      readers.map((r) => stack.deps.subscribers.get(subscriberIdFor(r.email))),
    );
    expect(records.filter((r) => r!.outbox?.state !== 'sent')).toEqual([]);
    // Each kill interrupts at most the one send in flight: settled by its receipt (as may be, now
    // and then, a send whose live sender was slower than the receipt), or sent again.
    const byReceipt = records.filter((r) => r!.outbox?.receipt).length;
    const resent = records.filter((r) => r!.outbox?.resent).length;
    expect(resent).toBeLessThanOrEqual(kills);
    console.log(
      `outbox kill test: ${kills} kills; ${byReceipt} interrupted sends settled by SES's receipt, ${resent} sent again after the window; ${READERS} readers mailed once each`,
    );
  }, 300_000);
});
