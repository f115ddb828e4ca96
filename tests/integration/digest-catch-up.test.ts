import { cp, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DynamoIssueRepository } from '../../functions/adapters/dynamo/dynamo-issues.js';
import { publishNewArticles, startDigest } from '../../functions/core/issues/digests.js';
import {
  findOrCreateEditorSend,
  issueReport,
  transitionIssue,
} from '../../functions/core/issues/manage-issues.js';
import { startScheduler, type Scheduler } from '../../local/scheduler.js';
import type { LocalStack } from '../../local/stack.js';
import { aSubscriber, fixedClock } from '../support/builders.js';
import { emailsTo, startTestStack } from '../support/stack.js';

let stack: LocalStack;
let scheduler: Scheduler;
let contentDir: string;

beforeAll(async () => {
  contentDir = join(await mkdtemp(join(tmpdir(), 'dispatch-content-')), 'content');
  await cp('content', contentDir, { recursive: true });
  stack = await startTestStack({ CONTENT_DIR: contentDir });
  scheduler = startScheduler({ cron: false, budgetMs: 20_000 });
  await scheduler.fire('tick'); // the articles already there are the baseline: nobody is mailed them
});
afterAll(async () => stack?.close());

const DAY = 86_400_000;
const catalogSeesIt = () => new Promise((r) => setTimeout(r, 2_100)); // it re-reads every 2 s

/** A new article in content/, on the given topic. */
async function writeArticle(slug: string, title: string, topic: string, date = new Date()) {
  const markdown = `---\ntitle: "${title}"\ndate: ${date.toISOString().slice(0, 10)}\nsummary: ${title}, in brief.\ntopics: [${topic}]\ndesk: Test desk\n---\n\n${title}.\n`;
  await writeFile(join(contentDir, `${slug}.md`), markdown);
}

/**
 * The first 07:00 UTC after now (on the given weekday, 0 Sunday, when one is given): a firing
 * after every article these tests publish, and within a period of them, whatever the hour the
 * suite runs (a firing a day ahead of a test run after midnight finds its articles too old).
 * The tests run in this order: the weekly digest first, so no tick's catch-up has started one
 * for its week.
 */
const nextSevenOClock = (weekday?: number) => {
  const now = Date.now();
  let at = new Date(new Date(now).toISOString().slice(0, 10)).getTime() + 7 * 3_600_000;
  while (at <= now || (weekday !== undefined && new Date(at).getUTCDay() !== weekday)) at += DAY;
  return new Date(at);
};

const subjects = async (email: string) =>
  (await emailsTo(stack.sesEndpoint, email)).map((m) => m.subject).sort();

describe('digests through their Lambda handlers, on dynalite and the SES emulator', () => {
  it('leave out what a weekly reader got from the editor’s send, and mail nothing to a reader with nothing new', async () => {
    const hasBoth = aSubscriber({ frequency: 'weekly', topics: ['security'] });
    const hasSecond = aSubscriber({ frequency: 'weekly', topics: ['security'] });
    const hasNone = aSubscriber({ frequency: 'weekly', topics: ['security'] });
    await writeArticle('drill-ends', 'The drill ends', 'security');
    await writeArticle('treaty-signed', 'A treaty is signed', 'security');
    await catalogSeesIt();
    await scheduler.fire('tick'); // published, waiting for approval before "every article" readers

    /** The editor's `npm run send -- <slug>`: an article issue, sent by the tick's worker. */
    const editorSends = async (slug: string) => {
      const issue = await findOrCreateEditorSend(stack.deps, slug);
      await transitionIssue(stack.deps, issue.id, 'sendNow');
      await scheduler.fire('tick');
    };
    await stack.deps.subscribers.create(hasBoth);
    await editorSends('drill-ends');
    await stack.deps.subscribers.create(hasSecond);
    await editorSends('treaty-signed');
    await stack.deps.subscribers.create(hasNone);

    const monday = nextSevenOClock(1);
    const digest = (await scheduler.fire('weeklyDigest', monday)) as { issueId: string };
    await stack.sesGateway!.settled();

    expect(await subjects(hasBoth.email)).toEqual(['A treaty is signed', 'The drill ends']);
    const toSecond = await emailsTo(stack.sesEndpoint, hasSecond.email);
    expect(toSecond.map((m) => m.subject).sort()).toEqual([
      'A treaty is signed',
      'Weekly digest: The drill ends',
    ]);
    const secondsDigest = toSecond.find((m) => m.subject.startsWith('Weekly'))!;
    expect(secondsDigest.body.html).toContain('/articles/drill-ends');
    expect(secondsDigest.body.html).not.toContain('/articles/treaty-signed');
    const toNone = await subjects(hasNone.email);
    expect(toNone).toHaveLength(1);
    expect(toNone[0]).toMatch(/^Weekly digest: .+ and 1 more$/);

    const report = await issueReport(stack.deps, digest.issueId);
    expect(report.counts).toMatchObject({ sent: 2, skipped: 1 });
    expect(Object.values(report.skips)).toEqual([1]);
  }, 90_000);

  it('are created by the next tick when the 07:00 firing fails, once however many ticks and firings', async () => {
    const reader = aSubscriber({ frequency: 'daily', topics: ['politics'] });
    await stack.deps.subscribers.create(reader);
    await writeArticle('talks-resume', 'Talks resume in Brussels', 'politics');
    await catalogSeesIt();
    // It waits for an editor's approval before its own issue; the digest carries it all the same.
    expect(await scheduler.fire('tick')).toMatchObject({ published: [] });

    const seven = nextSevenOClock();
    const id = `digest-daily-${seven.toISOString().slice(0, 10)}`;
    // DynamoDB fails the 07:00 run's first write: on AWS, Lambda retries it; here nothing does.
    const create = vi
      .spyOn(DynamoIssueRepository.prototype, 'create')
      .mockRejectedValueOnce(new Error('DynamoDB is unavailable'));
    try {
      await expect(scheduler.fire('dailyDigest', seven)).rejects.toThrow('DynamoDB is unavailable');
    } finally {
      create.mockRestore(); // a failed expectation must not leave the fault to the next test
    }
    expect(await stack.deps.issues.get(id)).toBeUndefined();

    const minuteLater = new Date(seven.getTime() + 60_000);
    const firings = (await Promise.all([
      scheduler.fire('tick', minuteLater),
      scheduler.fire('tick', minuteLater),
      scheduler.fire('dailyDigest', seven),
      scheduler.fire('dailyDigest', seven),
      scheduler.fire('tick', new Date(minuteLater.getTime() + 60_000)),
    ])) as { digests?: string[]; status?: string; issueId?: string }[];
    const started = firings.flatMap((f) =>
      f.digests
        ? f.digests.filter((d) => d.startsWith('digest-daily'))
        : f.status === 'started'
          ? [f.issueId]
          : [],
    );
    expect(started).toEqual([id]);
    await scheduler.fire('tick', new Date(minuteLater.getTime() + 120_000));
    await stack.sesGateway!.settled();

    // One digest: the articles of the last day (the weekly test's are there too).
    const received = await emailsTo(stack.sesEndpoint, reader.email);
    expect(received.map((m) => m.subject)).toEqual([
      expect.stringMatching(/^Daily digest: .+ and 2 more$/),
    ]);
    expect(received[0]!.body.html).toContain('/articles/talks-resume');
    expect((await issueReport(stack.deps, id)).issue.state).toBe('sent');
  }, 90_000);

  it('move the cutoff in the digest’s own write: a run that dies right after creating it leaves nothing for the next digest to repeat', async () => {
    // A clock of its own, years ahead, on the same table: its periods and articles are its own.
    const clock = fixedClock('2030-01-07T06:00:00Z');
    const deps = { ...stack.deps, clock };
    const publish = async (slug: string) => {
      await writeArticle(slug, `Economy ${slug}`, 'economy', new Date('2030-01-01'));
      await catalogSeesIt();
      await publishNewArticles(deps);
    };
    const firing = (day: number) => new Date(Date.parse('2030-01-07T07:00:00Z') + day * DAY);

    await publish('growth-first');
    expect(await startDigest(deps, 'daily', firing(0))).toMatchObject({ status: 'started' });
    clock.advance(DAY);
    await publish('growth-second');
    const create = DynamoIssueRepository.prototype.create;
    const dying = vi
      .spyOn(DynamoIssueRepository.prototype, 'create')
      .mockImplementationOnce(async function (this: DynamoIssueRepository, issue) {
        await create.call(this, issue);
        throw new Error('the run died after its write');
      });
    await expect(startDigest(deps, 'daily', firing(1))).rejects.toThrow('died after its write');
    dying.mockRestore();
    clock.advance(DAY);
    await publish('growth-third');

    const next = await startDigest(deps, 'daily', firing(2));
    expect(next).toMatchObject({
      status: 'started',
      issue: { content: { slugs: ['growth-third'] } },
    });
    expect((await stack.deps.issues.get('digest-daily-2030-01-08'))?.content).toMatchObject({
      slugs: ['growth-second'],
    });
  }, 90_000);
});
