/**
 * The issue page's failure list names readers by address, each linking to the reader's page, and
 * a reader erased since says so instead of showing an id nobody can look up.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApiKey } from '../../functions/core/access/api-keys.js';
import { createArticleIssue } from '../../functions/core/issues/manage-issues.js';
import { createAdminApp } from '../../functions/http/admin/admin-app.js';
import type { LocalStack } from '../../local/stack.js';
import { aSubscriber } from '../support/builders.js';
import { quietLogger } from '../support/logger.js';
import { startTestStack } from '../support/stack.js';

let stack: LocalStack;
let app: ReturnType<typeof createAdminApp>;
let cookie: string;

beforeAll(async () => {
  stack = await startTestStack();
  app = createAdminApp(stack.deps, { logger: quietLogger() });
  const { key } = await createApiKey(stack.deps, {
    name: 'Reading viewer',
    email: 'viewer@newsroom.example',
    role: 'viewer',
  });
  const signedIn = await app.request('/admin/sign-in', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ key }).toString(),
  });
  cookie = signedIn.headers.get('set-cookie')!.split(';')[0]!;
});
afterAll(async () => stack?.close());

it('lists each failed send by the reader’s address, linked, and an erased reader as such', async () => {
  const reader = aSubscriber({ email: 'refused.reader@example.org' });
  await stack.deps.subscribers.create(reader);
  const issue = await createArticleIssue(stack.deps, { article: 'nato-western-balkans-stability' });
  // A shard's progress as a worker saves it after SES refused two sends.
  const now = new Date();
  const shard = await stack.deps.issues.claimShard(
    issue.id,
    0,
    'test-worker',
    now,
    new Date(now.getTime() + 60_000),
  );
  await stack.deps.issues.saveShard(
    {
      ...shard!,
      failures: [
        { subscriberId: reader.id, reason: 'MessageRejected: Email address is not verified.' },
        { subscriberId: 'GoneReaderId0000000000000', reason: 'MessageRejected: blocked' },
      ],
    },
    'test-worker',
  );

  const html = await (
    await app.request(`/admin/issues/${issue.id}`, { headers: { cookie } })
  ).text();
  expect(html).toContain(
    `<a href="/admin/subscribers/${reader.id}">refused.reader@example.org</a>: MessageRejected: Email address is not verified.`,
  );
  expect(html).toContain('an erased reader: MessageRejected: blocked');
  expect(html).not.toContain('GoneReaderId');
});
