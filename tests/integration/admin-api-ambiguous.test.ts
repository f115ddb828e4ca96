import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MjmlIssueRenderer } from '../../functions/adapters/mjml/mjml-renderer.js';
import { buildDeliveryDeps, parseConfig } from '../../functions/config.js';
import { createApiKey } from '../../functions/core/access/api-keys.js';
import { runWorker } from '../../functions/core/delivery/worker.js';
import { createArticleIssue, sendIssueNow } from '../../functions/core/issues/manage-issues.js';
import { MailFailure } from '../../functions/core/ports.js';
import type { Subscriber } from '../../functions/core/subscribers/subscriber.js';
import { createAdminApp } from '../../functions/http/admin/admin-app.js';
import type { LocalStack } from '../../local/stack.js';
import { aSubscriber } from '../support/builders.js';
import { adminApi } from '../support/admin-api.js';
import { captureLogger } from '../support/logger.js';
import { runScript } from '../support/processes.js';
import { seedReaders, startTestStack } from '../support/stack.js';

let stack: LocalStack;
let app: ReturnType<typeof createAdminApp>;
let editor: string;
let viewer: string;
let readers: Subscriber[];
let issueId: string;

/** Three readers of a topic of their own; SES takes the second's message and answers 500. */
beforeAll(async () => {
  stack = await startTestStack();
  app = createAdminApp(stack.deps, { logger: captureLogger() });
  editor = (
    await createApiKey(stack.deps, {
      name: 'Editor Ed',
      email: 'editor.ed@example.org',
      role: 'editor',
    })
  ).key;
  viewer = (
    await createApiKey(stack.deps, { name: 'Viewer', email: 'viewer@example.org', role: 'viewer' })
  ).key;
  readers = await seedReaders(stack, 3, (i) =>
    aSubscriber({ topics: ['economy'], email: `economy.${i}@example.com` }),
  );
  const deps = await buildDeliveryDeps(
    parseConfig(process.env),
    new MjmlIssueRenderer('templates'),
  );
  const send = deps.mailer.send.bind(deps.mailer);
  deps.mailer.send = async (message) => {
    const accepted = await send(message);
    if (message.to === readers[1]!.email) throw new MailFailure('unknown', 'SES answered 500');
    return accepted;
  };
  const issue = await createArticleIssue(deps, {
    article: 'nato-western-balkans-stability',
    topics: ['economy'],
    id: 'api-ambiguous',
  });
  await sendIssueNow(deps, issue.id);
  await runWorker(deps, { issueId: issue.id });
  issueId = issue.id;
});
afterAll(async () => stack?.close());

const call = adminApi(() => app);

describe('the admin API for ambiguous readers', () => {
  it('lists them by address, and 404s an unknown issue', async () => {
    const listed = await call(`/issues/${issueId}/ambiguous`, viewer);
    expect(listed.status).toBe(200);
    expect(await listed.json()).toEqual({
      readers: [
        {
          subscriberId: readers[1]!.id,
          email: readers[1]!.email,
          claimedAt: expect.any(String),
          why: 'SES answered 500',
        },
      ],
    });
    expect((await call('/issues/no-such-issue/ambiguous', viewer)).status).toBe(404);
  });

  it('`npm run issue -- status` names the reader by address; `resolve` refuses one who is not ambiguous', async () => {
    const env = { ...process.env, ...stack.env, DATA_DIR: stack.dataDir };
    const status = await runScript('cli/issue.ts', ['status', issueId], env).exit();
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(
      `ambiguous  ${readers[1]!.email} (${readers[1]!.id}): SES answered 500; not resent.`,
    );
    const refused = await runScript(
      'cli/issue.ts',
      ['resolve', issueId, readers[0]!.id, 'release', '--reason', 'why not'],
      env,
    ).exit();
    expect(refused).toMatchObject({ code: 1 });
    expect(refused.stderr).toContain(`${readers[0]!.email} is not an ambiguous reader`);
  }, 60_000);

  it('refuses a viewer, an invalid body (422), a reader who is not ambiguous (409), an unknown issue (404)', async () => {
    const path = `/issues/${issueId}/ambiguous/${readers[1]!.id}`;
    expect((await call(path, viewer, { resolution: 'delivered', reason: 'x' })).status).toBe(403);
    const invalid = await call(path, editor, { resolution: 'resend', reason: '' });
    expect(invalid.status).toBe(422);
    expect(await invalid.json()).toMatchObject({
      error: { issues: [{ field: 'resolution' }, { field: 'reason' }] },
    });
    const sent = await call(`/issues/${issueId}/ambiguous/${readers[0]!.id}`, editor, {
      resolution: 'release',
      reason: 'why not',
    });
    expect(sent.status).toBe(409);
    expect(await sent.json()).toMatchObject({
      error: {
        code: 'conflict',
        message: `${readers[0]!.email} is not an ambiguous reader of issue ${issueId}.`,
      },
    });
    const unknown = await call(`/issues/nope/ambiguous/${readers[1]!.id}`, editor, {
      resolution: 'delivered',
      reason: 'x',
    });
    expect(unknown.status).toBe(404);
  });

  it('records a decision with who, when and why, moves the counts, and refuses a second one', async () => {
    const path = `/issues/${issueId}/ambiguous/${readers[1]!.id}`;
    const decided = await call(path, editor, {
      resolution: 'delivered',
      reason: 'in the SES logs',
    });
    expect(decided.status).toBe(200);
    expect(await decided.json()).toEqual({
      resolution: {
        subscriberId: readers[1]!.id,
        resolution: 'delivered',
        reason: 'in the SES logs',
        by: 'Editor Ed',
        at: expect.any(String),
        attempt: expect.any(String),
      },
    });
    const report = (await (await call(`/issues/${issueId}`, viewer)).json()) as {
      counts: { sent: number; ambiguous: number };
      ambiguous: string[];
      resolutions: unknown[];
    };
    expect(report.counts).toMatchObject({ sent: 3, ambiguous: 0 });
    expect(report.ambiguous).toEqual([]);
    expect(report.resolutions).toHaveLength(1);
    const again = await call(path, editor, { resolution: 'release', reason: 'changed my mind' });
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({
      error: { message: expect.stringContaining('was already decided on (delivered by Editor Ed') },
    });
  });
});
