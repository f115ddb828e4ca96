import { cp, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScheduler, type Scheduler } from '../../local/scheduler.js';
import type { LocalStack } from '../../local/stack.js';
import { aSubscriber } from '../support/builders.js';
import { emailsTo, startTestStack } from '../support/stack.js';

let stack: LocalStack;
let scheduler: Scheduler;
let contentDir: string;

beforeAll(async () => {
  contentDir = join(await mkdtemp(join(tmpdir(), 'dispatch-content-')), 'content');
  await cp('content', contentDir, { recursive: true });
  stack = await startTestStack({ CONTENT_DIR: contentDir });
  scheduler = startScheduler({ cron: false, budgetMs: 20_000 });
});
afterAll(async () => stack?.close());

const newArticle = `---
title: "Elections called in North Macedonia"
date: ${new Date().toISOString().slice(0, 10)}
summary: A new article, published while the service runs.
topics: [politics]
desk: Politics desk
sendWhenPublished: true
---

Parliament voted to dissolve itself.
`;

describe('schedules through their Lambda handlers', () => {
  it('publish a new article that opts in (sendWhenPublished) to "every article" readers once, and start one daily digest however often it fires', async () => {
    const immediate = aSubscriber({ frequency: 'immediate', topics: ['politics'] });
    const daily = aSubscriber({ frequency: 'daily', topics: ['politics', 'security'] });
    await stack.deps.subscribers.create(immediate);
    await stack.deps.subscribers.create(daily);

    // The first tick takes the existing articles as the baseline: nobody is mailed the archive.
    expect(await scheduler.fire('tick')).toMatchObject({ published: [] });
    await writeFile(join(contentDir, 'elections-called.md'), newArticle);
    await new Promise((r) => setTimeout(r, 2_100)); // the catalog looks at the folder every 2 s
    const ticks = await Promise.all([scheduler.fire('tick'), scheduler.fire('tick')]);
    expect(ticks.flatMap((t) => (t as { published: string[] }).published)).toEqual([
      'publish-elections-called',
    ]);

    const firedAt = new Date(Date.now() + 1_000);
    const firings = (await Promise.all([
      scheduler.fire('dailyDigest', firedAt),
      scheduler.fire('dailyDigest', firedAt),
      scheduler.fire('dailyDigest', firedAt),
    ])) as { status: string; issueId?: string }[];
    expect(firings.filter((f) => f.status === 'started')).toHaveLength(1);
    expect(new Set(firings.map((f) => f.issueId))).toEqual(
      new Set([`digest-daily-${firedAt.toISOString().slice(0, 10)}`]),
    );
    await stack.sesGateway!.settled();

    const toImmediate = await emailsTo(stack.sesEndpoint, immediate.email);
    expect(toImmediate.map((m) => m.subject)).toEqual(['Elections called in North Macedonia']);
    const toDaily = await emailsTo(stack.sesEndpoint, daily.email);
    expect(toDaily.map((m) => m.subject)).toEqual([
      'Daily digest: Elections called in North Macedonia',
    ]);
    expect(toDaily[0]!.body.html).toContain(`${stack.appUrl}/articles/elections-called`);
    expect(toDaily[0]!.body.text).toContain('A new article, published while the service runs.');

    // The next day's digest has nothing new.
    const tomorrow = new Date(firedAt.getTime() + 86_400_000);
    expect(await scheduler.fire('dailyDigest', tomorrow)).toMatchObject({ status: 'nothing_new' });
  }, 60_000);
});
