/**
 * An SES reputation alarm going into ALARM, on the local stack (dynalite): CloudWatch's "Alarm
 * State Change" event, as EventBridge hands it to the reputation-alarm handler, sets the sending
 * hold and pauses every issue that is sending or scheduled. While the hold is set, Send now and a
 * schedule's time leave the issue paused with the hold's reason and SES receives nothing from
 * them; the workspace and the admin API show the hold; an editor (not a viewer) clears it, the
 * paused issues stay paused, and an editor's resume sends each reader the issue exactly once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MjmlIssueRenderer } from '../../functions/adapters/mjml/mjml-renderer.js';
import { buildDeliveryDeps, parseConfig } from '../../functions/config.js';
import { createApiKey } from '../../functions/core/access/api-keys.js';
import { describeAction } from '../../functions/core/access/audit.js';
import { runTick } from '../../functions/core/delivery/tick.js';
import type { Issue, IssueState } from '../../functions/core/issues/issue.js';
import { createAdminApp } from '../../functions/http/admin/admin-app.js';
import { handler } from '../../functions/handlers/reputation-alarm.js';
import { reputationAlarmNames } from '../../infra/alarm-names.js';
import { lambdaContext } from '../../local/lambda-context.js';
import type { LocalStack } from '../../local/stack.js';
import { adminApi } from '../support/admin-api.js';
import { alarmStateChangeEvent } from '../support/lambda-events.js';
import { captureLogger } from '../support/logger.js';
import { aSubscriber } from '../support/builders.js';
import { runScript } from '../support/processes.js';
import { emailsTo, seedReaders, startTestStack } from '../support/stack.js';

const ALARM = reputationAlarmNames({ name: 'dispatch', stage: 'production' }).bounceRate;

let stack: LocalStack;
let editor: string;
let viewer: string;
let cookie: string;
let csrf: string;
/** Confirmed readers of the held issues' topic (security), every article. */
let readers: string[] = [];
const HELD_SUBJECTS = ['Held: sent now', 'Held: scheduled'];
const deliveryDeps = () =>
  buildDeliveryDeps(parseConfig(process.env), new MjmlIssueRenderer('templates'), captureLogger());
/** A workspace page as the signed-in editor: GET, or a form POSTed with the session's token. */
const workspace = (path: string, fields?: Record<string, string>) =>
  createAdminApp(stack.deps, { logger: captureLogger() }).request(path, {
    method: fields ? 'POST' : 'GET',
    headers: {
      cookie,
      ...(fields ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
    },
    body: fields ? new URLSearchParams({ _csrf: csrf, ...fields }).toString() : undefined,
  });
const call = adminApi(() => createAdminApp(stack.deps, { logger: captureLogger() }));

const anIssue = (id: string, state: IssueState, extra: Partial<Issue> = {}): Issue => {
  const now = new Date().toISOString();
  return {
    id,
    content: { kind: 'article', slug: 'nato-western-balkans-stability' },
    subject: `Issue ${id}`,
    audience: { topics: ['economy'], frequencies: ['immediate'] },
    state,
    deliveryKey: `article:${id}`,
    createdAt: now,
    updatedAt: now,
    version: 1,
    ...extra,
  };
};
const stateOf = async (id: string) => (await stack.deps.issues.get(id))!;

beforeAll(async () => {
  stack = await startTestStack({}, { outbox: false, fleet: false });
  editor = (
    await createApiKey(stack.deps, {
      name: 'Editor Rep',
      email: 'editor.rep@example.org',
      role: 'editor',
    })
  ).key;
  viewer = (
    await createApiKey(stack.deps, {
      name: 'Viewer Rep',
      email: 'viewer.rep@example.org',
      role: 'viewer',
    })
  ).key;
  const signedIn = await createAdminApp(stack.deps, { logger: captureLogger() }).request(
    '/admin/sign-in',
    {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ key: editor }).toString(),
    },
  );
  cookie = signedIn.headers.get('set-cookie')!.split(';')[0]!;
  csrf = /name="_csrf" value="([^"]+)"/.exec(await (await workspace('/admin')).text())![1]!;
  readers = (
    await seedReaders(stack, 3, (i) =>
      aSubscriber({
        topics: ['security'],
        frequency: 'immediate',
        email: `held.reader.${i}@example.com`,
      }),
    )
  ).map((r) => r.email);
  const later = new Date(Date.now() + 86_400_000).toISOString();
  for (const issue of [
    anIssue('rep-sending', 'sending', { startedAt: new Date().toISOString(), total: 0 }),
    anIssue('rep-scheduled', 'scheduled', { scheduledAt: later }),
    anIssue('rep-draft', 'draft'),
    anIssue('rep-sent', 'sent'),
  ])
    expect(await stack.deps.issues.create(issue)).toBe(true);
});
afterAll(async () => stack?.close());

describe('an SES reputation alarm', () => {
  it('moving to OK pauses nothing', async () => {
    const result = await handler(
      alarmStateChangeEvent(ALARM, 'OK', 'ALARM'),
      lambdaContext('reputationPause', 30_000),
    );
    expect(result.paused).toEqual([]);
    expect((await stateOf('rep-sending')).state).toBe('sending');
  });

  it('moving to ALARM pauses every sending and scheduled issue, naming the alarm; drafts and sent issues are left', async () => {
    const result = await handler(
      alarmStateChangeEvent(ALARM, 'ALARM'),
      lambdaContext('reputationPause', 30_000),
    );
    expect(result).toEqual({ alarm: ALARM, held: true, paused: ['rep-sending', 'rep-scheduled'] });
    expect(await stack.deps.issues.sendingHold()).toMatchObject({
      alarm: ALARM,
      reason: expect.stringContaining('greater than the threshold (0.02)'),
    });
    for (const id of ['rep-sending', 'rep-scheduled']) {
      const issue = await stateOf(id);
      expect(issue.state, id).toBe('paused');
      expect(issue.pause).toMatchObject({ reason: 'reputation_alarm' });
      expect(issue.pause!.message).toContain(ALARM);
      expect(issue.pause!.message).toContain('greater than the threshold (0.02)');
      expect(issue.pause!.resumeAfter).toBeUndefined();
    }
    expect((await stateOf('rep-draft')).state).toBe('draft');
    expect((await stateOf('rep-sent')).state).toBe('sent');
  });

  it('delivered again (EventBridge delivers at least once) changes nothing more', async () => {
    const before = await stateOf('rep-sending');
    const result = await handler(
      alarmStateChangeEvent(ALARM, 'ALARM'),
      lambdaContext('reputationPause', 30_000),
    );
    expect(result).toMatchObject({ held: false, paused: [] });
    expect((await stateOf('rep-sending')).version).toBe(before.version);
  });

  it('a malformed event is refused (Lambda retries, then the Errors alarm)', async () => {
    await expect(
      handler(
        { ...alarmStateChangeEvent(ALARM, 'ALARM'), detail: { state: 'ALARM' } },
        lambdaContext('reputationPause', 30_000),
      ),
    ).rejects.toThrow(/alarmName/);
  });

  it('holds what would start later: Send now and a schedule whose time comes stay paused, SES receives nothing', async () => {
    // Created after the alarm: one started by Send now, one by its schedule's time.
    const held = { audience: { topics: ['security'], frequencies: ['immediate' as const] } };
    const past = new Date(Date.now() - 60_000).toISOString();
    for (const issue of [
      anIssue('hold-now', 'draft', { ...held, subject: HELD_SUBJECTS[0] }),
      anIssue('hold-scheduled', 'scheduled', {
        ...held,
        subject: HELD_SUBJECTS[1],
        scheduledAt: past,
      }),
    ])
      expect(await stack.deps.issues.create(issue)).toBe(true);
    const sending = await call('/issues/hold-now/send', editor, {});
    expect(sending.status).toBe(200);
    const sent = (await sending.json()) as {
      issue: Issue;
      held?: { alarm: string };
    };
    expect(sent.issue.state).toBe('paused');
    expect(sent.held?.alarm).toBe(ALARM);
    const tick = await runTick(await deliveryDeps(), { deadline: Date.now() + 3_000 });
    expect(tick.started).toEqual([]);
    expect(tick.held).toEqual(['hold-scheduled']);
    for (const id of ['hold-now', 'hold-scheduled']) {
      const issue = await stateOf(id);
      expect(issue.state, id).toBe('paused');
      expect(issue.pause).toMatchObject({ reason: 'reputation_alarm' });
      expect(issue.pause!.message).toContain(`held by the alarm ${ALARM}`);
      expect(issue.startedAt, id).toBeUndefined();
    }
    for (const reader of readers) expect(await emailsTo(stack.sesEndpoint, reader)).toEqual([]);
  });

  it('is on the dashboard and the issue page, and the clear button asks first, saying what it does', async () => {
    const dashboard = await (await workspace('/admin')).text();
    expect(dashboard).toContain('data-testid="sending-hold"');
    expect(dashboard).toContain(ALARM);
    const issuePage = await (await workspace('/admin/issues/hold-now')).text();
    expect(issuePage).toContain('data-testid="sending-hold"');
    const asked = await workspace('/admin/sending-hold/clear', {});
    expect(asked.status).toBe(200);
    const says = /data-testid="consequence">([^<]*)</.exec(await asked.text())![1]!;
    expect(says).toContain(`The hold set by ${ALARM} goes`);
    expect(says).toContain('stay paused until you resume each one');
    // Asked, not done.
    expect(await stack.deps.issues.sendingHold()).toBeDefined();
  });

  it('`npm run issue -- send` and `resume` say the issue was not started, and fail', async () => {
    const env = { ...process.env, ...stack.env, DATA_DIR: stack.dataDir };
    for (const command of ['send', 'resume']) {
      const run = await runScript('cli/issue.ts', [command, 'hold-now'], env).exit();
      expect(run.code, command).toBe(1);
      expect(run.stderr, command).toContain('hold-now was not started');
      expect(run.stderr, command).toContain(`held by the alarm ${ALARM}`);
      expect(run.stdout, command).not.toContain('Sending');
    }
    expect((await stateOf('hold-now')).state).toBe('paused');
  }, 60_000);

  it('an editor resuming while held leaves the issue paused; a viewer reads the hold but cannot clear it', async () => {
    const resumed = (await (await call('/issues/hold-now/resume', editor, {})).json()) as {
      issue: Issue;
      held?: unknown;
    };
    expect(resumed.issue.state).toBe('paused');
    expect(resumed.held).toBeDefined();
    const read = await call('/sending-hold', viewer);
    expect(read.status).toBe(200);
    expect(((await read.json()) as { hold: { alarm: string } }).hold.alarm).toBe(ALARM);
    const refused = await call('/sending-hold', viewer, undefined, 'DELETE');
    expect(refused.status).toBe(403);
    expect(await stack.deps.issues.sendingHold()).toBeDefined();
  });

  it('an editor clears it (audited); the paused issues stay paused through the tick until each is resumed', async () => {
    const cleared = await call('/sending-hold', editor, undefined, 'DELETE');
    expect(cleared.status).toBe(200);
    expect(((await cleared.json()) as { cleared: { alarm: string } }).cleared.alarm).toBe(ALARM);
    expect(
      ((await (await call('/sending-hold', viewer)).json()) as { hold: unknown }).hold,
    ).toBeNull();
    const audit = await stack.deps.auditLog.recent(20, new Date());
    expect(audit.map((e) => describeAction(e.action))).toContain('cleared the sending hold');
    const tick = await runTick(await deliveryDeps(), { deadline: Date.now() + 2_000 });
    expect(tick.resumed).toEqual([]);
    for (const id of ['rep-sending', 'hold-now', 'hold-scheduled'])
      expect((await stateOf(id)).state, id).toBe('paused');
  });

  it('resumed by an editor, each held issue reaches its readers exactly once', async () => {
    for (const id of ['hold-now', 'hold-scheduled']) {
      const resumed = await call(`/issues/${id}/resume`, editor, {});
      expect(resumed.status).toBe(200);
      expect(((await resumed.json()) as { issue: Issue }).issue.state).toBe('sending');
    }
    const deps = await deliveryDeps();
    for (let round = 0; round < 10; round++) {
      await runTick(deps, { deadline: Date.now() + 6_000 });
      const states = await Promise.all(['hold-now', 'hold-scheduled'].map(stateOf));
      if (states.every((i) => i.state === 'sent')) break;
    }
    for (const id of ['hold-now', 'hold-scheduled'])
      expect((await stateOf(id)).state, id).toBe('sent');
    for (const reader of readers) {
      const subjects = (await emailsTo(stack.sesEndpoint, reader)).map((e) => e.subject).sort();
      expect(subjects, reader).toEqual([...HELD_SUBJECTS].sort());
    }
  });

  it('an editor resumes the issues the alarm paused, once the hold is cleared', async () => {
    const resumed = await call('/issues/rep-sending/resume', editor, {});
    expect(resumed.status).toBe(200);
    expect((await stateOf('rep-sending')).state).toBe('sending');
    expect((await stateOf('rep-sending')).pause).toBeUndefined();
  });

  it('set again by the next alarm, an editor clears it in the workspace once asked and confirmed', async () => {
    await handler(alarmStateChangeEvent(ALARM, 'ALARM'), lambdaContext('reputationPause', 30_000));
    expect(await stack.deps.issues.sendingHold()).toBeDefined();
    const done = await workspace('/admin/sending-hold/clear', { confirmed: 'yes' });
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe('/admin?notice=hold-cleared');
    expect(await stack.deps.issues.sendingHold()).toBeUndefined();
    const dashboard = await (await workspace('/admin?notice=hold-cleared')).text();
    expect(dashboard).not.toContain('data-testid="sending-hold"');
    expect(dashboard).toContain('Sending hold cleared');
  });
});
