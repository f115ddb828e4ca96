/**
 * An SES bounce that fails in `ses-events` is not lost: the local runtime, as Lambda would,
 * retries it and then dead-letters it; `npm run events -- replay` (the CLI itself, against the
 * stack `npm start` runs) hands it to the handler again once DynamoDB answers, and the address is
 * suppressed as the next send sees it. A replayed event handled twice changes nothing.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileDeadLetters } from '../../functions/adapters/files/file-dead-letters.js';
import { subscriberIdFor } from '../../functions/core/subscribers/subscriber.js';
import type { Running } from '../../local/emulators.js';
import { localDeadLettersDir, localSesEvents } from '../../local/ses-events.js';
import type { LocalStack } from '../../local/stack.js';
import { aSubscriber, uniqueEmail } from '../support/builders.js';
import { type FaultProxy, passAll, startFaultProxy } from '../support/fault-proxy.js';
import { startInMemoryDynalite } from '../support/emulators.js';
import { sesBounceEvent } from '../support/lambda-events.js';
import { startTestStack } from '../support/stack.js';
import { createLogger } from '../../functions/logger.js';

let dynamodb: Running;
let proxy: FaultProxy;
let stack: LocalStack;
let deadLetters: FileDeadLetters;
let sesEvents: ReturnType<typeof localSesEvents>;

beforeAll(async () => {
  dynamodb = await startInMemoryDynalite();
  proxy = await startFaultProxy({ upstream: dynamodb.url });
  stack = await startTestStack({ AWS_ENDPOINT_URL_DYNAMODB: proxy.url });
  deadLetters = new FileDeadLetters(localDeadLettersDir(stack.dataDir));
  // The stack's own ses-events path, with Lambda's retries made immediate.
  sesEvents = localSesEvents({
    dataDir: stack.dataDir,
    logger: createLogger(),
    retryDelaysMs: [10, 10],
  });
}, 60_000);
afterAll(async () => {
  await stack?.close();
  await proxy?.close();
  await dynamodb?.close();
});

const run = promisify(execFile);
/** `npm run events -- <command>` as an operator types it, next to the running stack. */
async function events(command: string): Promise<{ code: number; stdout: string }> {
  try {
    const { stdout } = await run('npx', ['tsx', 'cli/events.ts', command], {
      env: { ...process.env, DATA_DIR: stack.dataDir, SES_EVENTS_DLQ_URL: '' },
      timeout: 60_000,
    });
    return { code: 0, stdout };
  } catch (error) {
    const failed = error as { code: number; stdout: string };
    return { code: failed.code, stdout: failed.stdout };
  }
}

const bounceOf = (recipient: string) =>
  sesBounceEvent({
    messageId: `0100018c-${crypto.randomUUID()}-000000`,
    recipient,
    configurationSet: 'dispatch-local',
    from: 'newsletter@dispatch.example',
  });

/** What the send pipeline reads before each page of recipients, and the reader's own record. */
const seenByTheNextSend = async (email: string) => ({
  suppressed: (await stack.deps.suppressions.suppressedAmong([email])).has(email),
  subscriber: await stack.deps.subscribers.get(subscriberIdFor(email)),
});

describe('SES events that fail', () => {
  it('a bounce that DynamoDB refuses is retried, then kept; replay suppresses the address', async () => {
    const email = uniqueEmail('bounced');
    await stack.deps.subscribers.create(aSubscriber({ email }));
    const event = bounceOf(email);

    const writes = /^(PutItem|UpdateItem|DeleteItem)$/;
    proxy.setPolicy((r) => (writes.test(r.operation) ? { kind: 'fail' } : { kind: 'pass' }));
    await sesEvents(event);
    proxy.setPolicy(passAll);
    // Three invocations (the first and Lambda's two retries), each refused by the table.
    const refused = proxy.requests.filter((r) => r.fate === 'fail' && !r.forwarded);
    expect(refused.length).toBeGreaterThanOrEqual(3);
    const [letter, ...others] = await deadLetters.list();
    expect(others).toEqual([]);
    expect(letter!.event).toEqual(event);
    expect((await seenByTheNextSend(email)).suppressed).toBe(false);

    expect((await events('count')).stdout.trim()).toBe('1');
    expect((await events('list')).stdout).toContain(email);
    const replay = await events('replay');
    expect(replay.code, replay.stdout).toBe(0);
    expect(replay.stdout).toContain(`suppressed ${email}`);
    expect(replay.stdout).toContain('1 replayed, 0 failed again.');

    const after = await seenByTheNextSend(email);
    expect(after.suppressed).toBe(true);
    expect(after.subscriber?.state).toBe('bounced');
    expect(await deadLetters.count()).toBe(0);
  }, 120_000);

  it('a bounce whose first write is applied and its answer lost is still acted on, once', async () => {
    const email = uniqueEmail('lost-answer');
    await stack.deps.subscribers.create(aSubscriber({ email }));
    // The event log's first write reaches the table, and its answer is lost: the SDK retries it,
    // and that retry fails its condition on the item the first try wrote.
    const isEventStart = (r: { operation: string; input?: Record<string, unknown> }) =>
      r.operation === 'PutItem' && JSON.stringify(r.input?.Item ?? {}).includes('"EVENT#');
    let faulted = 0;
    proxy.setPolicy((r) =>
      isEventStart(r) && faulted++ === 0 ? { kind: 'failAfter' } : { kind: 'pass' },
    );
    await sesEvents(bounceOf(email));
    proxy.setPolicy(passAll);
    expect(faulted).toBeGreaterThanOrEqual(2); // the write and the SDK's retry of it
    const after = await seenByTheNextSend(email);
    expect(after.suppressed).toBe(true);
    expect(after.subscriber?.state).toBe('bounced');
    expect(await deadLetters.count()).toBe(0);
  }, 120_000);

  it('a replayed event handled twice changes nothing, and is removed', async () => {
    const email = uniqueEmail('twice');
    await stack.deps.subscribers.create(aSubscriber({ email }));
    const event = bounceOf(email);
    await sesEvents(event);
    const handled = await seenByTheNextSend(email);
    expect(handled.suppressed).toBe(true);
    const entries = await stack.deps.directory.suppressions();

    // The same event again, as a dead letter (an at-least-once delivery that also failed once).
    await deadLetters.put(event, 'timed out', new Date());
    const replay = await events('replay');
    expect(replay.code, replay.stdout).toBe(0);
    expect(replay.stdout).toContain('handled before: nothing changed');
    expect(await seenByTheNextSend(email)).toEqual(handled);
    expect(await stack.deps.directory.suppressions()).toEqual(entries);
    expect(await deadLetters.count()).toBe(0);
  }, 120_000);

  it('an event the handler rejects again stays, and replay says so in its exit code', async () => {
    const event = bounceOf(uniqueEmail('malformed'));
    // Valid for the schema, but a bounce without its bounce record: the core throws on it.
    delete (event.detail as { bounce?: unknown }).bounce;
    await sesEvents(event);
    expect(await deadLetters.count()).toBe(1);
    const replay = await events('replay');
    expect(replay.code).toBe(1);
    expect(replay.stdout).toContain('0 replayed, 1 failed again.');
    expect(await deadLetters.count()).toBe(1);
    expect((await deadLetters.list())[0]!.event).toEqual(event);
  }, 120_000);
});
