import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MjmlIssueRenderer } from '../../functions/adapters/mjml/mjml-renderer.js';
import { buildDeliveryDeps, parseConfig } from '../../functions/config.js';
import { runWorker } from '../../functions/core/delivery/worker.js';
import {
  createArticleIssue,
  issueReport,
  sendIssueNow,
} from '../../functions/core/issues/manage-issues.js';
import { subscriberIdFor } from '../../functions/core/subscribers/subscriber.js';
import type { LocalStack } from '../../local/stack.js';
import { aSubscriber } from '../support/builders.js';
import { seedReaders, startTestStack } from '../support/stack.js';

const DURATION_MS = 5_000;
// The load runs at least DURATION_MS and until it has made MIN_SIGNUPS signups: a machine busy
// with other suites makes fewer in 5 s, and what is checked is that none is lost, not the pace
// (npm run bench measures that). Bounded all the same.
const MIN_SIGNUPS = 60;
const MAX_DURATION_MS = 60_000;
const CONCURRENCY = 8;
const MAX_REQUESTS = 1_500;

let stack: LocalStack;
beforeAll(async () => {
  // Loopback only. The per-IP limit is lifted (every request comes from 127.0.0.1); SES's rate too,
  // since this measures the app, not the emulator.
  // The SDK's timeout is raised too: on a CI machine running other suites beside this one, a
  // starved process can take over 10 s to hear SES's answer, and a timed-out send is (rightly)
  // ambiguous and not resent; the fault tests cover that path, this one the app under load.
  stack = await startTestStack({
    LOCAL_SES_MAX_SEND_RATE: '100000',
    SIGNUP_LIMIT_PER_IP_PER_HOUR: '0',
    SEND_RATE: '300',
    SES_REQUEST_TIMEOUT_MS: '60000',
  });
});
afterAll(async () => stack?.close());

describe('load on signup and one-click unsubscribe while a send runs', () => {
  it('records every accepted signup and every unsubscribe, with no error but rate limiting, and the send still sends nobody twice', async () => {
    const readers = await seedReaders(stack, 800, (i) =>
      aSubscriber({ topics: ['security'], email: `load.${i}@example.com` }),
    );
    const leaving = readers.slice(0, 200);
    const deps = await buildDeliveryDeps(
      parseConfig(process.env),
      new MjmlIssueRenderer('templates'),
    );
    const issue = await createArticleIssue(deps, {
      article: 'nato-western-balkans-stability',
      topics: ['security'],
    });
    await sendIssueNow(deps, issue.id);
    const send = runWorker(deps, { issueId: issue.id });

    const statuses = new Map<number, number>();
    const signedUp: string[] = [];
    const unsubscribed: string[] = [];
    let sent = 0;
    let nextLeaver = 0;
    const started = Date.now();
    const loading = () =>
      sent < MAX_REQUESTS &&
      Date.now() - started < MAX_DURATION_MS &&
      (Date.now() - started < DURATION_MS || signedUp.length < MIN_SIGNUPS);
    const worker = async (n: number) => {
      while (loading()) {
        sent++;
        const leaver =
          n % 2 === 0 && nextLeaver < leaving.length ? leaving[nextLeaver++] : undefined;
        let response: Response;
        if (leaver) {
          const token = stack.deps.signer.sign('unsubscribe', leaver.id);
          response = await fetch(`${stack.appUrl}/unsubscribe/${token}`, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: 'List-Unsubscribe=One-Click',
            redirect: 'manual',
          });
          if (response.status === 200) unsubscribed.push(leaver.id);
        } else {
          const email = `newcomer.${sent}.${Date.now()}@example.com`;
          response = await fetch(`${stack.appUrl}/api/subscribe`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ email, topics: ['politics'] }),
          });
          if (response.status === 202) signedUp.push(email);
        }
        await response.arrayBuffer();
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, (_, n) => worker(n)));
    await send;
    await stack.sesGateway!.settled();

    const unexpected = [...statuses].filter(([status]) => ![200, 202, 429].includes(status));
    console.log(
      `load during send: ${sent} requests in ${(Date.now() - started) / 1000} s (${[...statuses].map(([s, n]) => `${n}×${s}`).join(', ')}); ${signedUp.length} signups, ${unsubscribed.length} unsubscribes`,
    );
    expect(unexpected).toEqual([]);
    expect(signedUp.length).toBeGreaterThanOrEqual(MIN_SIGNUPS);
    for (const email of signedUp)
      expect((await stack.deps.subscribers.get(subscriberIdFor(email)))?.state).toBe('pending');
    for (const id of unsubscribed)
      expect((await stack.deps.subscribers.get(id))?.state).toBe('unsubscribed');

    const report = await issueReport(deps, issue.id);
    expect(report.issue.state).toBe('sent');
    const accepted = stack.sesGateway!.accepted;
    expect(readers.filter((r) => (accepted.get(r.email) ?? 0) > 1)).toEqual([]);
    // Readers who left before the worker reached them got nothing; the rest got exactly one email.
    const stayed = readers.filter((r) => !unsubscribed.includes(r.id));
    const missed = stayed.filter((r) => accepted.get(r.email) !== 1).map((r) => r.email);
    // On failure, the send's own counts say why (an ambiguous or failed send, a skip).
    expect({ missed, counts: missed.length ? report.counts : undefined }).toEqual({
      missed: [],
      counts: undefined,
    });
  }, 120_000);
});
