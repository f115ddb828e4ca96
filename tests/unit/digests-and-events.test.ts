import { describe, expect, it } from 'vitest';
import { digestSchedules } from '../../functions/adapters/schedules/digest-schedules.js';
import { Pacer } from '../../functions/core/delivery/pacer.js';
import { runTick } from '../../functions/core/delivery/tick.js';
import { runWorker } from '../../functions/core/delivery/worker.js';
import {
  handleSesEvent,
  SOFT_BOUNCE_LIMIT,
  type SesEvent,
} from '../../functions/core/events/ses-events.js';
import {
  digestPeriod,
  publishNewArticles,
  startDigest,
} from '../../functions/core/issues/digests.js';
import { NOTHING_NEW } from '../../functions/core/issues/digest-editions.js';
import {
  findOrCreateEditorSend,
  issueReport,
  transitionIssue,
} from '../../functions/core/issues/manage-issues.js';
import { subscribe } from '../../functions/core/subscribers/subscribe.js';
import { aSubscriber, anArticle, memoryDeliveryDeps } from '../support/builders.js';
import { MemorySegmentStore } from '../support/fakes/memory-segments.js';
import {
  createSegment,
  deleteSegment,
  digestSegments,
  setDigestSegment,
} from '../../functions/core/segments/manage.js';
import type { Issue } from '../../functions/core/issues/issue.js';

async function withPublished() {
  const deps = memoryDeliveryDeps([anArticle({ slug: 'old', title: 'Old' })]);
  await publishNewArticles(deps); // the baseline: "old" was there before
  deps.articles.list.push(
    anArticle({ slug: 'new-one', title: 'New one', topics: ['politics'] }),
    anArticle({ slug: 'new-two', title: 'New two' }),
  );
  await publishNewArticles(deps);
  return deps;
}

describe('digests', () => {
  it('name their period: a UTC day, an ISO week', () => {
    expect(digestPeriod('daily', new Date('2026-11-30T07:00:00Z'))).toBe('2026-11-30');
    expect(digestPeriod('weekly', new Date('2026-11-30T07:00:00Z'))).toBe('2026-W49');
    expect(digestPeriod('weekly', new Date('2027-01-01T07:00:00Z'))).toBe('2026-W53');
    expect(digestPeriod('weekly', new Date('2027-01-04T07:00:00Z'))).toBe('2027-W01');
  });

  it('start once per period, however many firings, with the articles published since the last one', async () => {
    const deps = await withPublished();
    const daily = aSubscriber({ frequency: 'daily', topics: ['politics'] });
    const weekly = aSubscriber({ frequency: 'weekly' });
    await deps.subscribers.create(daily);
    await deps.subscribers.create(weekly);
    const firedAt = new Date(deps.clock.now().getTime() + 3_600_000);

    const results = await Promise.all([
      startDigest(deps, 'daily', firedAt),
      startDigest(deps, 'daily', firedAt),
      startDigest(deps, 'daily', new Date(firedAt.getTime() + 60_000)),
    ]);

    expect(results.filter((r) => r.status === 'started')).toHaveLength(1);
    const issue = results.find((r) => r.status === 'started')!.issue;
    expect(issue).toMatchObject({
      id: `digest-daily-${digestPeriod('daily', firedAt)}`,
      state: 'sending',
      audience: { frequencies: ['daily'] },
    });
    expect(issue.content).toMatchObject({ kind: 'digest', slugs: ['new-one', 'new-two'] });
    await runWorker(deps, { issueId: issue.id });
    expect(deps.mailer.sent.map((m) => m.to)).toEqual([daily.email]);
    expect(deps.mailer.sent[0]!.subject).toBe('Daily digest: New one and 1 more');
  });

  it('send nothing when nothing is new since the previous digest', async () => {
    const deps = await withPublished();
    await deps.subscribers.create(aSubscriber({ frequency: 'weekly' }));
    const monday = new Date(deps.clock.now().getTime() + 3_600_000);
    expect((await startDigest(deps, 'weekly', monday)).status).toBe('started');
    const nextMonday = new Date(monday.getTime() + 7 * 86_400_000);
    expect(await startDigest(deps, 'weekly', nextMonday)).toEqual({ status: 'nothing_new' });
  });
});

describe('a digest narrowed to a segment', () => {
  it("goes to the segment's readers on its frequency only, with the rules copied when it starts; the segment cannot be deleted while set", async () => {
    const deps = { ...(await withPublished()), segments: new MemorySegmentStore() };
    const opener = aSubscriber({
      frequency: 'daily',
      lastOpenedAt: deps.clock.now().toISOString(),
    });
    const silent = aSubscriber({ frequency: 'daily' });
    const weeklyOpener = aSubscriber({ frequency: 'weekly', lastOpenedAt: opener.lastOpenedAt });
    for (const r of [opener, silent, weeklyOpener]) await deps.subscribers.create(r);
    const segment = await createSegment(deps, {
      name: 'Opened lately',
      rules: [{ kind: 'engagement', op: 'opened_within', days: 30 }],
    });
    // One that reaches no daily reader is refused with its count, naming `segment`.
    const nobody = await createSegment(deps, {
      name: 'Never opened',
      rules: [{ kind: 'engagement', op: 'never_opened' }],
    });
    await expect(setDigestSegment(deps, 'daily', nobody.id)).rejects.toMatchObject({
      details: {
        issues: [{ field: 'segment', message: 'matches no reader of this audience (count: 0)' }],
      },
    });
    await setDigestSegment(deps, 'daily', segment.id);
    expect(await digestSegments(deps)).toMatchObject({ daily: { id: segment.id }, weekly: null });
    await expect(deleteSegment(deps, segment.id)).rejects.toMatchObject({ code: 'conflict' });

    const started = await startDigest(
      deps,
      'daily',
      new Date(deps.clock.now().getTime() + 3_600_000),
    );
    expect(started.status).toBe('started');
    const issue = (started as { issue: Issue }).issue;
    expect(issue.segment).toMatchObject({ id: segment.id, rules: segment.rules });
    expect(issue.total).toBeUndefined();
    await runWorker(deps, { issueId: issue.id });
    expect(deps.mailer.sent.map((m) => m.to)).toEqual([opener.email]);
    expect((await issueReport(deps, issue.id)).issue).toMatchObject({ state: 'sent', total: 1 });

    await setDigestSegment(deps, 'daily', null);
    expect(await digestSegments(deps)).toEqual({ daily: null, weekly: null });
    await deleteSegment(deps, segment.id);
  });
});

describe('digests that cannot be lost or repeated', () => {
  const DAY = 86_400_000;
  const schedules = digestSchedules({ daily: 'cron(0 7 * * ? *)', weekly: 'cron(0 7 ? * MON *)' });

  /** The 07:00 firing's create throws before writing (DynamoDB failing under it). */
  function failNextCreate(deps: ReturnType<typeof memoryDeliveryDeps>, afterWriting = false) {
    const create = deps.issues.create.bind(deps.issues);
    deps.issues.create = async (issue) => {
      deps.issues.create = create;
      if (afterWriting) await create(issue);
      throw new Error('the run died here');
    };
  }

  it('carry their own cutoff: a run that dies right after creating a digest cannot make the next one repeat it', async () => {
    const deps = await withPublished(); // new-one and new-two, published at 09:00 on the 28th
    await deps.subscribers.create(aSubscriber({ frequency: 'daily', topics: ['politics'] }));
    const day1 = new Date('2026-11-29T07:00:00Z');
    failNextCreate(deps, true);
    await expect(startDigest(deps, 'daily', day1)).rejects.toThrow('the run died here');

    deps.clock.advance(DAY); // the 29th, 09:00: a third article
    deps.articles.list.push(anArticle({ slug: 'new-three', title: 'New three' }));
    await publishNewArticles(deps);
    const day2 = await startDigest(deps, 'daily', new Date(day1.getTime() + DAY));

    expect(day2).toMatchObject({ status: 'started', issue: { content: { slugs: ['new-three'] } } });
  });

  it('are caught up by the next tick when the 07:00 firing fails, once however many ticks and firings', async () => {
    const deps = await withPublished();
    const reader = aSubscriber({ frequency: 'daily', topics: ['politics'] });
    await deps.subscribers.create(reader);
    const seven = new Date('2026-11-29T07:00:00Z');
    failNextCreate(deps);
    await expect(startDigest(deps, 'daily', seven)).rejects.toThrow('the run died here');

    const tick = (minutes: number) =>
      runTick(deps, {
        firedAt: new Date(seven.getTime() + minutes * 60_000),
        digestSchedules: schedules,
      });
    const [first, ...others] = await Promise.all([
      tick(1),
      tick(1),
      tick(2),
      startDigest(deps, 'daily', seven),
      startDigest(deps, 'daily', seven),
    ]);
    const started = [first, ...others].flatMap((r) =>
      'digests' in r ? r.digests : r.status === 'started' ? [r.issue.id] : [],
    );
    expect(started).toEqual(['digest-daily-2026-11-29']);
    expect((await tick(3)).digests).toEqual([]);
    expect(deps.mailer.sent.filter((m) => m.to === reader.email)).toHaveLength(1);
  });

  it('are caught up for the latest firing only, with everything since the last digest', async () => {
    const deps = await withPublished();
    await startDigest(deps, 'daily', new Date('2026-11-29T07:00:00Z'));
    deps.clock.advance(2 * DAY); // the 30th: an article while the service is down until the 2nd
    deps.articles.list.push(anArticle({ slug: 'new-three', title: 'New three' }));
    await publishNewArticles(deps);

    const tick = await runTick(deps, {
      firedAt: new Date('2026-12-02T12:00:00Z'),
      digestSchedules: schedules,
    });

    // The 30th's, the 1st's and the Monday's firings never ran: one digest each, the latest.
    expect(tick.digests).toEqual(['digest-daily-2026-12-02', 'digest-weekly-2026-W49']);
    expect((await deps.issues.get('digest-daily-2026-12-02'))?.content).toMatchObject({
      slugs: ['new-three'],
      cutoff: '2026-12-02T07:00:00.000Z',
    });
  });
});

describe('a digest, reader by reader', () => {
  it('leaves out what each reader already received as an issue, sends nothing to a reader with nothing new, and renders once per set of articles', async () => {
    const deps = await withPublished(); // new-one (politics), new-two (security)
    const gotOne = aSubscriber({ frequency: 'weekly', topics: ['politics'] });
    const gotTwo = aSubscriber({ frequency: 'weekly', topics: ['security'] });
    const gotBoth = aSubscriber({ frequency: 'weekly', topics: ['politics', 'security'] });
    for (const reader of [gotOne, gotTwo, gotBoth]) await deps.subscribers.create(reader);
    for (const slug of ['new-one', 'new-two']) {
      const send = await findOrCreateEditorSend(deps, slug);
      await transitionIssue(deps, send.id, 'sendNow');
      await runWorker(deps, { issueId: send.id });
    }
    const late = [1, 2, 3].map(() =>
      aSubscriber({ frequency: 'weekly', topics: ['politics', 'security'] }),
    );
    for (const reader of late) await deps.subscribers.create(reader);
    const before = deps.mailer.sent.length;
    deps.renderer.renders = 0;

    const digest = await startDigest(
      deps,
      'weekly',
      new Date(deps.clock.now().getTime() + 3_600_000),
    );
    if (digest.status !== 'started') throw new Error(digest.status);
    await runWorker(deps, { issueId: digest.issue.id });

    const subjects = Object.fromEntries(
      deps.mailer.sent.slice(before).map((m) => [m.to, m.subject]),
    );
    expect(subjects).toEqual({
      [gotOne.email]: 'Weekly digest: New two',
      [gotTwo.email]: 'Weekly digest: New one',
      ...Object.fromEntries(late.map((r) => [r.email, 'Weekly digest: New one and 1 more'])),
    });
    expect(deps.renderer.renders).toBe(3);
    const report = await issueReport(deps, digest.issue.id);
    expect(report.counts).toMatchObject({ sent: 5, skipped: 1 });
    expect(report.skips).toEqual({ [NOTHING_NEW]: 1 });
  });
});

describe('SES events', () => {
  const mail = (to: string, issue = 'issue-1') => ({
    messageId: `m-${to}`,
    destination: [to],
    tags: { issue: [issue] },
  });
  const bounce = (
    to: string,
    type: 'Permanent' | 'Transient',
    at = '2026-11-28T10:00:00Z',
  ): SesEvent => ({
    eventType: 'Bounce',
    mail: mail(to),
    bounce: { bounceType: type, bouncedRecipients: [{ emailAddress: to }], timestamp: at },
  });

  it('suppress an address at a hard bounce: state bounced, excluded from sends, refused at signup', async () => {
    const deps = memoryDeliveryDeps();
    const reader = aSubscriber();
    await deps.subscribers.create(reader);

    const outcome = await handleSesEvent(deps, bounce(reader.email, 'Permanent'));

    expect(outcome).toMatchObject({
      duplicate: false,
      suppressed: [reader.email],
      engagement: 'bounced',
    });
    expect(await deps.subscribers.get(reader.id)).toMatchObject({ state: 'bounced' });
    expect(await deps.suppressions.isSuppressed(reader.email)).toBe(true);
    expect(await deps.issues.engagement('issue-1')).toMatchObject({ bounced: 1 });
    await subscribe(deps, { email: reader.email }, 'hosted');
    expect(deps.mailer.sent).toHaveLength(0);
  });

  it('suppress at a complaint, and change nothing when the same event comes again', async () => {
    const deps = memoryDeliveryDeps();
    const reader = aSubscriber();
    await deps.subscribers.create(reader);
    const complaint: SesEvent = {
      eventType: 'Complaint',
      mail: mail(reader.email),
      complaint: {
        complainedRecipients: [{ emailAddress: reader.email }],
        timestamp: '2026-11-28T10:00:00Z',
      },
    };
    await handleSesEvent(deps, complaint);
    const after = await deps.subscribers.get(reader.id);
    expect(await handleSesEvent(deps, complaint)).toEqual({ duplicate: true, suppressed: [] });
    expect(await deps.subscribers.get(reader.id)).toEqual(after);
    expect(after).toMatchObject({ state: 'complained' });
    expect(await deps.issues.engagement('issue-1')).toMatchObject({ complained: 1 });
  });

  it(`count soft bounces and suppress at ${SOFT_BOUNCE_LIMIT} in a row; a delivery resets the count`, async () => {
    const deps = memoryDeliveryDeps();
    const reader = aSubscriber();
    await deps.subscribers.create(reader);
    await handleSesEvent(deps, bounce(reader.email, 'Transient', '2026-11-28T10:00:01Z'));
    await handleSesEvent(deps, bounce(reader.email, 'Transient', '2026-11-28T10:00:02Z'));
    await handleSesEvent(deps, {
      eventType: 'Delivery',
      mail: mail(reader.email),
      delivery: { timestamp: '2026-11-28T10:00:03Z' },
    });
    expect(await deps.subscribers.get(reader.id)).toMatchObject({
      state: 'confirmed',
      softBounces: 0,
    });
    for (let i = 0; i < SOFT_BOUNCE_LIMIT; i++)
      await handleSesEvent(deps, bounce(reader.email, 'Transient', `2026-11-28T11:00:0${i}Z`));
    expect(await deps.subscribers.get(reader.id)).toMatchObject({ state: 'bounced' });
    expect(await deps.suppressions.isSuppressed(reader.email)).toBe(true);
  });

  it('count deliveries, opens and clicks per issue', async () => {
    const deps = memoryDeliveryDeps();
    await handleSesEvent(deps, {
      eventType: 'Delivery',
      mail: mail('a@example.com'),
      delivery: { timestamp: '2026-11-28T10:00:00Z' },
    });
    await handleSesEvent(deps, {
      eventType: 'Open',
      mail: mail('a@example.com'),
      open: { timestamp: '2026-11-28T10:01:00Z' },
    });
    await handleSesEvent(deps, {
      eventType: 'Open',
      mail: mail('a@example.com'),
      open: { timestamp: '2026-11-28T10:02:00Z' },
    });
    await handleSesEvent(deps, {
      eventType: 'Click',
      mail: mail('a@example.com'),
      click: { timestamp: '2026-11-28T10:03:00Z', link: 'https://x.test' },
    });
    expect(await deps.issues.engagement('issue-1')).toEqual({
      delivered: 1,
      bounced: 0,
      complained: 0,
      opened: 2,
      clicked: 1,
      uniqueOpened: 1,
      uniqueClicked: 1,
      botOpened: 0,
      botClicked: 0,
    });
  });
});

describe('pacing', () => {
  it('gives lanes that ask at once one slot each, never the same one', async () => {
    let now = 0;
    // Sleeping lets other lanes run first, as real timers would.
    const pacer = new Pacer(
      20,
      () => now,
      async (ms) => {
        await new Promise((r) => setImmediate(r));
        now += ms;
      },
    );
    const times: number[] = [];
    const lane = async () => {
      for (let i = 0; i < 10; i++) {
        await pacer.take();
        times.push(now);
      }
    };
    await Promise.all([lane(), lane(), lane(), lane()]);
    times.sort((a, b) => a - b);
    expect(times).toHaveLength(40);
    for (let i = 1; i < times.length; i++)
      expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(50);
  });

  it('holds every lane back when one is told to slow down', async () => {
    let now = 0;
    const pacer = new Pacer(
      100,
      () => now,
      async (ms) => void (now += ms),
    );
    await pacer.take();
    pacer.holdFor(800); // a throttle seen by one lane
    const waiting = [pacer.take(), pacer.take()];
    await Promise.all(waiting);
    expect(now).toBeGreaterThanOrEqual(800 + 10);
  });

  it('makes up the time of a timer that fired late, and still puts no more than the rate in any second', async () => {
    const run = async (lateness: number) => {
      let now = 0;
      let waits = 0;
      const pacer = new Pacer(
        10,
        () => now,
        async (ms) => {
          now += ms + (waits++ % 7 === 0 ? lateness : 0); // every seventh wait overshoots
        },
      );
      const times: number[] = [];
      for (let i = 0; i < 100; i++) {
        await pacer.take();
        times.push(now);
      }
      return times;
    };
    const onTime = await run(0);
    const late = await run(40);
    // 11 sends never fit in one second (with half the 1 % margin: not even in 1,005 ms).
    for (let i = 0; i + 10 < late.length; i++)
      expect(late[i + 10]! - late[i]!).toBeGreaterThanOrEqual(1005);
    // Fourteen late timers of 40 ms were 560 ms behind; made up, the run ends within 5 % of on time.
    expect(late.at(-1)!).toBeLessThan(onTime.at(-1)! * 1.05);
  });

  it('holds back a slot already waiting when a lane is told to slow down meanwhile', async () => {
    let now = 0;
    let told = false;
    const pacer: Pacer = new Pacer(
      10,
      () => now,
      async (ms) => {
        if (!told && ms > 50) {
          now += 50;
          told = true;
          pacer.holdFor(1_000); // 50 ms into this lane's wait, SES throttled another lane
          now += ms - 50;
        } else now += ms;
      },
    );
    await pacer.take();
    await pacer.take(); // its slot was at ~101 ms
    expect(now).toBeGreaterThanOrEqual(1_050);
  });

  it('makes up at most 50 ms after a stall: what follows it is no burst', async () => {
    let now = 0;
    let stalled = false;
    const pacer = new Pacer(
      100,
      () => now,
      async (ms) => {
        now += ms;
      },
    );
    const times: number[] = [];
    for (let i = 0; i < 40; i++) {
      await pacer.take();
      times.push(now);
      if (i === 20 && !stalled) {
        stalled = true;
        now += 2_000; // the process was descheduled for two seconds
      }
    }
    const after = times.slice(21);
    const quick = after.filter((t, i) => i > 0 && t - after[i - 1]! < 10).length;
    expect(quick).toBeLessThanOrEqual(5); // 50 ms of 10.1 ms slots made up, then the even pace
  });

  it('never lets a send go before its slot when the timer fires early (Node truncates 4.7 ms to 4)', async () => {
    let now = 0;
    const pacer = new Pacer(
      7,
      () => now,
      async (ms) => void (now += Math.trunc(ms)),
    ); // 142.86 ms slots
    const times: number[] = [];
    for (let i = 0; i < 50; i++) {
      await pacer.take();
      times.push(now);
    }
    for (let i = 0; i + 7 < times.length; i++)
      expect(times[i + 7]! - times[i]!).toBeGreaterThanOrEqual(1000);
  });

  it('spaces sends evenly: no one-second window ever holds more than the rate', async () => {
    let now = 0;
    const pacer = new Pacer(
      50,
      () => now,
      async (ms) => void (now += ms),
    );
    const times: number[] = [];
    for (let i = 0; i < 500; i++) {
      await pacer.take();
      times.push(now);
      now += 3; // each send takes 3 ms
    }
    expect(times.at(-1)! - times[0]!).toBeCloseTo(499 * 20 * 1.01, -1); // 20 ms apart, and the 1 % margin
    for (let i = 0; i < times.length; i++) {
      const inWindow = times.filter((t) => t >= times[i]! && t < times[i]! + 1000).length;
      expect(inWindow).toBeLessThanOrEqual(50);
    }
  });
});
