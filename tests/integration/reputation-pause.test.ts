/**
 * An SES reputation alarm going into ALARM, on the local stack (dynalite): CloudWatch's "Alarm
 * State Change" event, as EventBridge hands it to the reputation-alarm handler, pauses every
 * issue that is sending or scheduled; an editor resumes each through the admin API, and the tick
 * does not resume it by itself.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MjmlIssueRenderer } from '../../functions/adapters/mjml/mjml-renderer.js';
import { buildDeliveryDeps, parseConfig } from '../../functions/config.js';
import { createApiKey } from '../../functions/core/access/api-keys.js';
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
import { startTestStack } from '../support/stack.js';

const ALARM = reputationAlarmNames({ name: 'dispatch', stage: 'production' }).bounceRate;

let stack: LocalStack;
let editor: string;
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
    expect(result).toEqual({ alarm: ALARM, paused: ['rep-sending', 'rep-scheduled'] });
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
    expect(result.paused).toEqual([]);
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

  it('stays paused through the tick, and resumes when an editor says so', async () => {
    const deliveryDeps = await buildDeliveryDeps(
      parseConfig(process.env),
      new MjmlIssueRenderer('templates'),
      captureLogger(),
    );
    const tick = await runTick(deliveryDeps, { deadline: Date.now() + 2_000 });
    expect(tick.resumed).toEqual([]);
    expect((await stateOf('rep-sending')).state).toBe('paused');
    const resumed = await call('/issues/rep-sending/resume', editor, {});
    expect(resumed.status).toBe(200);
    expect((await stateOf('rep-sending')).state).toBe('sending');
    expect((await stateOf('rep-sending')).pause).toBeUndefined();
  });
});
