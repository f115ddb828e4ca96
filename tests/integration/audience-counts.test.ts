import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MjmlIssueRenderer } from '../../functions/adapters/mjml/mjml-renderer.js';
import { buildAdminDeps, buildDeliveryDeps, parseConfig } from '../../functions/config.js';
import { createApiKey } from '../../functions/core/access/api-keys.js';
import { runWorker } from '../../functions/core/delivery/worker.js';
import { createAdminApp } from '../../functions/http/admin/admin-app.js';
import type { LocalStack } from '../../local/stack.js';
import { adminApi } from '../support/admin-api.js';
import { aSubscriber } from '../support/builders.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { captureLogger } from '../support/logger.js';
import { seedReaders, startTestStack } from '../support/stack.js';

/**
 * "Send now" answers from the dashboard counters (an estimate) and leaves counting the audience
 * to the send workers, shard by shard; the exact figure replaces the estimate once they counted.
 * The admin app reaches dynalite through a recording proxy: what the request asked DynamoDB is
 * what the proxy saw, not what the code says it does.
 */
let stack: LocalStack;
let dynamodb: FaultProxy;
let app: ReturnType<typeof createAdminApp>;
let editor: string;
let cookie: string;
/** DynamoDB's input of every request the proxy saw, in order. */
const inputs: { operation: string; input: Record<string, unknown> }[] = [];
const call = adminApi(() => app);

// 40 economy readers on a weekly digest, 40 politics readers on every article, and 20 economy
// readers on every article. An issue for economy, every article: 20 readers; the counters (60
// economy, 60 every-article, of 100 confirmed) estimate 60 × 60 / 100 = 36.
const EXACT = 20;
const ESTIMATE = 36;

beforeAll(async () => {
  stack = await startTestStack({ LOCAL_SES_MAX_SEND_RATE: '100000', SEND_RATE: '5000' });
  await seedReaders(stack, 100, (i) =>
    aSubscriber({
      email: `counts.${i}@example.com`,
      topics: [i < 40 || i >= 80 ? 'economy' : 'politics'],
      frequency: i < 40 ? 'weekly' : 'immediate',
    }),
  );
  dynamodb = await startFaultProxy({ upstream: stack.dynamodbEndpoint });
  dynamodb.setPolicy((request) => {
    inputs.push({ operation: request.operation, input: request.input ?? {} });
    return { kind: 'pass' };
  });
  // The SDK's standard variable, as on Lambda: every client built from here on goes through it.
  process.env.AWS_ENDPOINT_URL_DYNAMODB = dynamodb.url;
  const deps = await buildAdminDeps(parseConfig(process.env), new MjmlIssueRenderer('templates'));
  app = createAdminApp(deps, { logger: captureLogger() });
  editor = (
    await createApiKey(stack.deps, {
      name: 'Counts editor',
      email: 'counts.editor@example.org',
      role: 'editor',
    })
  ).key;
  const signedIn = await app.request('/admin/sign-in', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ key: editor }).toString(),
  });
  cookie = signedIn.headers.get('set-cookie')!.split(';')[0]!;
});
afterAll(async () => {
  await dynamodb?.close();
  await stack?.close();
});

/** What the workspace's issue page shows as its recipients. */
async function recipientsShown(id: string) {
  const html = await (await app.request(`/admin/issues/${id}`, { headers: { cookie } })).text();
  return /data-testid="recipients">([^<]*)</.exec(html)?.[1];
}

type Report = { issue: { total?: number; totalEstimated?: boolean }; remaining: number };

describe('an issue’s audience, counted off the request', () => {
  it('"Send now" reads no recipient and answers with the estimate; the workers’ exact count replaces it', async () => {
    const created = await call('/issues', editor, {
      article: 'nato-western-balkans-stability',
      topics: ['economy'],
      frequencies: ['immediate'],
    });
    const { issue } = (await created.json()) as { issue: { id: string } };

    const before = inputs.length;
    const sent = await call(`/issues/${issue.id}/send`, editor, {});
    const during = inputs.slice(before);
    expect(sent.status).toBe(200);
    expect(await sent.json()).toMatchObject({
      issue: { state: 'sending', total: ESTIMATE, totalEstimated: true },
    });
    // The request read the counters and the issue; not one recipient, by Query or by Scan.
    expect(during.length).toBeGreaterThan(0);
    expect(during.filter((r) => r.operation === 'Scan')).toEqual([]);
    expect(during.filter((r) => r.input.IndexName === 'GSI1')).toEqual([]);

    const started = (await (await call(`/issues/${issue.id}`, editor)).json()) as Report;
    expect(started).toMatchObject({
      issue: { total: ESTIMATE, totalEstimated: true },
      remaining: ESTIMATE,
    });
    expect(await recipientsShown(issue.id)).toBe(`about ${ESTIMATE} (estimate)`);

    const delivery = await buildDeliveryDeps(
      parseConfig(process.env),
      new MjmlIssueRenderer('templates'),
    );
    await runWorker(delivery, { issueId: issue.id });
    const done = (await (await call(`/issues/${issue.id}`, editor)).json()) as Report & {
      issue: { state: string };
      counts: { sent: number };
    };
    expect(done.issue.state).toBe('sent');
    expect(done.issue.total).toBe(EXACT);
    expect(done.issue.totalEstimated).toBeUndefined();
    expect(done.remaining).toBe(0);
    expect(await recipientsShown(issue.id)).toBe(String(EXACT));
    // The exact figure is who SES was given: the economy readers on every article, once each.
    const mailed = [...stack.sesGateway!.accepted.keys()].filter((e) => e.startsWith('counts.'));
    expect(mailed.sort()).toEqual(
      Array.from({ length: EXACT }, (_, i) => `counts.${80 + i}@example.com`).sort(),
    );
    // And the issue itself keeps it: the list of sent issues shows it too.
    const listed = (await (await call('/issues?state=sent', editor)).json()) as {
      issues: { id: string; total?: number; totalEstimated?: boolean }[];
    };
    expect(listed.issues.find((i) => i.id === issue.id)).toMatchObject({ total: EXACT });
  }, 60_000);
});
