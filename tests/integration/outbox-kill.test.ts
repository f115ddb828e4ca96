import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queuedEntry } from '../../functions/core/outbox/entry.js';
import { subscriberIdFor } from '../../functions/core/subscribers/subscriber.js';
import { startSesGateway, type SesGateway } from '../../local/ses-gateway.js';
import type { LocalStack } from '../../local/stack.js';
import { aSubscriber } from '../support/builders.js';
import { seedReaders, startTestStack } from '../support/stack.js';

const READERS = 500;
/** Senders killed mid-send before the one that is left to finish. */
const KILLS = 8;
let stack: LocalStack;
let ses: SesGateway;

beforeAll(async () => {
  // No sender in the test's process: the only one is the child this test kills.
  stack = await startTestStack({}, { outbox: false });
  // A fast SES that only counts what it accepts.
  ses = await startSesGateway({ port: 0, maxSendRate: 100_000 });
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
  it(`mails none of ${READERS} queued confirmations twice; each is sent or held as an interrupted claim, at most one per kill`, async () => {
    const readers = await seedReaders(stack, READERS, (i) =>
      aSubscriber({
        email: `outbox.kill.${i}@example.com`,
        state: 'pending',
        outbox: queuedEntry('confirmation', new Date()),
      }),
    );
    const queued = async () =>
      // Abandoned claims (at most one per kill) are listed first: look past them.
      (await stack.deps.outbox.due(new Date(), 100)).filter((l) => l.entry.state === 'queued');

    const acceptedSoFar = () => [...ses.accepted.values()].reduce((a, b) => a + b, 0);
    let kills = 0;
    // KILLS lives are killed somewhere in their sending, then one more drains what is left.
    for (let run = 0; run <= KILLS && (await queued()).length > 0; run++) {
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
        // The last life is stopped once nothing is queued, a second after its last send.
        if (lastLife && (await queued()).length === 0) timer = setTimeout(kill, 1000);
        else if (!lastLife && acceptedSoFar() > before)
          timer = setTimeout(kill, Math.random() * 400);
      }, 20);
      const [code] = await exited;
      clearInterval(watch);
      clearTimeout(timer);
      if (code !== null && code !== 0) throw new Error(`sender failed (${code}):\n${output}`);
    }
    expect(await queued()).toEqual([]);
    expect(kills).toBeGreaterThan(2);

    const records = await Promise.all(
      readers.map((r) => stack.deps.subscribers.get(subscriberIdFor(r.email))),
    );
    const twice = readers.filter((r) => (ses.accepted.get(r.email) ?? 0) > 1);
    expect(twice).toEqual([]);
    // Not lost: what SES never received is a claim a killed sender left (once its timeout has
    // passed, given up as ambiguous and listed for editors), never an entry silently dropped.
    const interrupted = (r: (typeof records)[number]) =>
      r!.outbox?.state === 'sending' ||
      (r!.outbox?.state === 'failed' && /^ambiguous/.test(r!.outbox.reason ?? ''));
    const unsent = records.filter((r) => !ses.accepted.has(r!.email));
    expect(unsent.filter((r) => !interrupted(r))).toEqual([]);
    const inFlight = records.filter(interrupted);
    expect(inFlight.length).toBeLessThanOrEqual(kills);
    const sent = records.filter((r) => r!.outbox?.state === 'sent');
    expect(sent.length + inFlight.length).toBe(READERS);
    for (const r of sent) expect(ses.accepted.get(r!.email)).toBe(1);
    console.log(
      `outbox kill test: ${kills} kills, ${inFlight.length} interrupted claims (${unsent.length} never reached SES), ${sent.length} sent`,
    );
  }, 300_000);
});
