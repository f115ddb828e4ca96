/**
 * The metrics, on the local stack: a signup, the outbox's batch and an issue's send each write
 * one Embedded Metric Format line through the logger they are given, counted per batch (a page
 * of sends, not a line per reader). Each line is checked against EMF's own rules, as
 * CloudWatch would read it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MjmlIssueRenderer } from '../../functions/adapters/mjml/mjml-renderer.js';
import { buildDeliveryDeps, buildOutboxDeps, parseConfig } from '../../functions/config.js';
import { runTick } from '../../functions/core/delivery/tick.js';
import { runWorker } from '../../functions/core/delivery/worker.js';
import { createArticleIssue, sendIssueNow } from '../../functions/core/issues/manage-issues.js';
import { drainOutbox } from '../../functions/core/outbox/drain.js';
import { createApp } from '../../functions/http/app.js';
import { emfRecord, METRICS_NAMESPACE } from '../../functions/metrics.js';
import { SEND_SHARDS } from '../../functions/core/subscribers/subscriber.js';
import type { LocalStack } from '../../local/stack.js';
import { aSubscriber, uniqueEmail } from '../support/builders.js';
import { captureLogger, type CapturingLogger } from '../support/logger.js';
import { seedReaders, startTestStack } from '../support/stack.js';

type Line = Record<string, unknown>;
/** The units this code writes, of the many CloudWatch takes. */
const EMF_UNITS = ['Count', 'Seconds'];

/**
 * What CloudWatch requires of an EMF record (the specification's rules): `_aws` with a numeric
 * Timestamp and CloudWatchMetrics directives; every dimension a string member at the root, every
 * metric a number at the root, at most 100 metrics and 30 dimensions. Returns the problems.
 */
function emfProblems(line: Line): string[] {
  const problems: string[] = [];
  const aws = line._aws as { Timestamp?: unknown; CloudWatchMetrics?: unknown } | undefined;
  if (!aws) return ['no _aws'];
  if (typeof aws.Timestamp !== 'number') problems.push('Timestamp is not a number');
  if (!Array.isArray(aws.CloudWatchMetrics) || aws.CloudWatchMetrics.length === 0)
    return [...problems, 'no CloudWatchMetrics'];
  for (const directive of aws.CloudWatchMetrics as Record<string, unknown>[]) {
    if (typeof directive.Namespace !== 'string' || directive.Namespace.length === 0)
      problems.push('no Namespace');
    for (const set of directive.Dimensions as string[][]) {
      if (set.length > 30) problems.push('over 30 dimensions');
      for (const key of set)
        if (typeof line[key] !== 'string') problems.push(`dimension ${key} is not a string member`);
    }
    const metrics = directive.Metrics as { Name: string; Unit?: string }[];
    if (metrics.length === 0 || metrics.length > 100) problems.push('0 or over 100 metrics');
    for (const { Name, Unit } of metrics) {
      if (typeof line[Name] !== 'number') problems.push(`metric ${Name} is not a number member`);
      if (Unit !== undefined && !EMF_UNITS.includes(Unit))
        problems.push(`metric ${Name}'s unit ${Unit}`);
    }
  }
  return problems;
}

const metricLines = (logger: CapturingLogger, path: string) =>
  logger.lines.filter((l) => l._aws !== undefined && l.Path === path);

let stack: LocalStack;
beforeAll(async () => {
  stack = await startTestStack({}, { outbox: false, fleet: false });
});
afterAll(async () => stack?.close());

describe('EMF metrics', () => {
  it('are valid EMF records, one metric per outcome that happened, and none when nothing did', () => {
    const record = emfRecord('send', { sent: 40, failed: 1, ambiguous: 0 }, 1_764_000_000_000)!;
    expect(emfProblems(record)).toEqual([]);
    expect(record).toEqual({
      _aws: {
        Timestamp: 1_764_000_000_000,
        CloudWatchMetrics: [
          {
            Namespace: METRICS_NAMESPACE,
            Dimensions: [['Path']],
            Metrics: [
              { Name: 'Sent', Unit: 'Count' },
              { Name: 'Failed', Unit: 'Count' },
            ],
          },
        ],
      },
      Path: 'send',
      Sent: 40,
      Failed: 1,
    });
    expect(emfRecord('outbox', { sent: 0, retry: 0 })).toBeUndefined();
    expect(emfProblems({ _aws: { Timestamp: 'now' } })).not.toEqual([]);
  });

  it('count each signup by its answer', async () => {
    const logger = captureLogger();
    const app = createApp(stack.deps, { logger });
    const post = (body: unknown) =>
      app.request('/api/subscribe', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await post({ email: uniqueEmail('metric') })).status).toBe(202);
    expect((await post({ email: 'not an address' })).status).toBe(422);
    const lines = metricLines(logger, 'signup');
    for (const line of lines) expect(emfProblems(line)).toEqual([]);
    expect(lines.map((l) => [l.Accepted, l.Refused])).toEqual([
      [1, undefined],
      [undefined, 1],
    ]);
  });

  it("count the outbox's batch: the confirmation just queued, sent", async () => {
    const logger = captureLogger();
    const deps = await buildOutboxDeps(parseConfig(process.env), logger);
    const result = await drainOutbox(deps);
    expect(result.sent).toBeGreaterThanOrEqual(1);
    const lines = metricLines(logger, 'outbox');
    expect(lines).toHaveLength(1);
    expect(emfProblems(lines[0]!)).toEqual([]);
    expect(lines[0]!.Sent).toBe(result.sent);
  });

  it("count an issue's sends once per page, not once per reader", async () => {
    const readers = await seedReaders(stack, 64, (i) =>
      aSubscriber({ topics: ['security'], email: `metric.reader.${i}@example.com` }),
    );
    const logger = captureLogger();
    const deps = await buildDeliveryDeps(
      parseConfig(process.env),
      new MjmlIssueRenderer('templates'),
      logger,
    );
    const issue = await createArticleIssue(deps, {
      article: 'nato-western-balkans-stability',
      topics: ['security'],
      id: 'metrics-send',
    });
    await sendIssueNow(deps, issue.id);
    const run = await runWorker(deps, { issueId: issue.id });
    expect(run.sent).toBe(readers.length);
    const lines = metricLines(logger, 'send');
    for (const line of lines) expect(emfProblems(line)).toEqual([]);
    // One line per page of a shard (up to 50 readers): at most one per shard, here, for 64 readers.
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.length).toBeLessThanOrEqual(SEND_SHARDS);
    expect(lines.length).toBeLessThan(readers.length);
    expect(lines.reduce((sum, l) => sum + Number(l.Sent ?? 0), 0)).toBe(readers.length);
  });

  it("gauge the outbox's oldest unsent entry after each tick: 0 when none waits, its real age while SES refuses it", async () => {
    const logger = captureLogger();
    const deps = await buildDeliveryDeps(
      parseConfig(process.env),
      new MjmlIssueRenderer('templates'),
      logger,
    );
    // The deadline by the tick's own clock: the sweep stops 5 s before it.
    const tick = (clock = deps.clock) =>
      runTick({ ...deps, clock }, { deadline: clock.now().getTime() + 6_000 });
    const gauges = () => metricLines(logger, 'outbox').filter((l) => l.OldestWaiting !== undefined);

    expect((await tick()).outboxOldestSeconds).toBe(0);
    expect(gauges().map((l) => l.OldestWaiting)).toEqual([0]);

    stack.sesGateway!.setFaults({ throttle: 1 });
    try {
      const email = uniqueEmail('oldest');
      const app = createApp(stack.deps, { logger: captureLogger() });
      const signup = await app.request('/api/subscribe', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email }),
      });
      expect(signup.status).toBe(202);
      // Twenty minutes on: the tick's sweep tries the confirmation, SES refuses it again.
      const later = new Date(Date.now() + 20 * 60_000);
      const result = await tick({ now: () => later });
      expect(result.outbox.retry).toBe(1);
      expect(result.outboxOldestSeconds).toBeGreaterThanOrEqual(20 * 60 - 5);
      expect(result.outboxOldestSeconds).toBeLessThanOrEqual(20 * 60 + 5);
      const line = gauges().at(-1)!;
      expect(emfProblems(line)).toEqual([]);
      expect(line.OldestWaiting).toBe(Math.round(result.outboxOldestSeconds));
      expect(
        (line._aws as { CloudWatchMetrics: { Metrics: unknown[] }[] }).CloudWatchMetrics[0]!
          .Metrics,
      ).toEqual([{ Name: 'OldestWaiting', Unit: 'Seconds' }]);
      const [waiting] = (await stack.deps.outbox.due(new Date(Date.now() + 3600_000), 100)).filter(
        (l) => l.to === email,
      );
      expect(waiting?.entry).toMatchObject({
        state: 'queued',
        reason: expect.stringMatching(/^throttled/),
      });
    } finally {
      stack.sesGateway!.setFaults({});
    }
  }, 60_000);
});
