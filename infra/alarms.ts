import {
  OUTBOX_OLDEST_ALARM_SECONDS,
  reputationAlarmNames,
  reputationThresholds,
} from './alarm-names.js';
import { alerts } from './alerts.js';
import { functionNames } from './function-names.js';
import { functionDefinitions, type TableAction } from './functions.js';
import { METRICS_NAMESPACE } from '../functions/metrics.js';
import { table } from './table.js';

/**
 * The deployment's alarms (docs/sending.md, "Alarms", says what each means and what to do). All
 * notify the alerts topic (infra/alerts.ts) when they fire and when they clear. The dead-letter
 * queues' alarms live beside their queues (infra/dead-letters.ts).
 */

type Metric = {
  namespace: string;
  metricName: string;
  dimensions?: Record<string, $util.Input<string>>;
  statistic: 'Sum' | 'Maximum' | 'Average';
};

const notify = { alarmActions: [alerts.arn], okActions: [alerts.arn] };

/** One metric over one threshold, evaluated every five minutes. */
function alarm(
  name: string,
  metric: Metric,
  threshold: number,
  description: string,
  options: { alarmName?: string; period?: number; evaluationPeriods?: number } = {},
) {
  return new aws.cloudwatch.MetricAlarm(name, {
    ...(options.alarmName ? { name: options.alarmName } : {}),
    alarmDescription: description,
    ...metric,
    period: options.period ?? 300,
    evaluationPeriods: options.evaluationPeriods ?? 1,
    threshold,
    comparisonOperator: 'GreaterThanThreshold',
    // CloudWatch reports nothing for an idle function, an idle table or an account not sending.
    treatMissingData: 'notBreaching',
    ...notify,
  });
}

/**
 * SES's account-wide reputation, the rates its review reads. Moving into ALARM also pauses every
 * sending and scheduled issue (infra/reputation-pause.ts): the rate rises with each message sent.
 */
const names = reputationAlarmNames($app);
export const bounceRateAlarm = alarm(
  'SesBounceRateAlarm',
  { namespace: 'AWS/SES', metricName: 'Reputation.BounceRate', statistic: 'Maximum' },
  reputationThresholds.bounceRate,
  'SES\'s bounce rate is over 2 % (SES reviews the account at 5 %): sending is paused. Find the list or import that bounced, then resume (docs/sending.md, "Alarms")',
  { alarmName: names.bounceRate, period: 900 },
);
export const complaintRateAlarm = alarm(
  'SesComplaintRateAlarm',
  { namespace: 'AWS/SES', metricName: 'Reputation.ComplaintRate', statistic: 'Maximum' },
  reputationThresholds.complaintRate,
  'SES\'s complaint rate is over 0.08 % (SES reviews the account at 0.1 %): sending is paused. Find whom the complaints came from, then resume (docs/sending.md, "Alarms")',
  { alarmName: names.complaintRate, period: 900 },
);

const lambdaMetric = (functionName: $util.Input<string>, metricName: string): Metric => ({
  namespace: 'AWS/Lambda',
  metricName,
  dimensions: { FunctionName: functionName },
  statistic: 'Sum',
});

const pascal = (key: string) => `${key[0]!.toUpperCase()}${key.slice(1)}`;

/**
 * Per function: any error (an invocation that threw or timed out). Throttles where a throttle is
 * a fault: the functions with a reserved concurrency of one (the tick, the digests, the job
 * runner) are throttled by design whenever a firing finds the last one still running, so for
 * them only a digest's firing dropped after an hour of throttles is (AsyncEventsDropped).
 */
export const functionAlarms = Object.fromEntries(
  Object.entries(functionDefinitions).map(([key, definition]) => {
    const fn = functionNames[key];
    if (!fn) throw new Error(`infra/alarms.ts does not know the function ${key}`);
    const alarms = [
      alarm(
        `${pascal(key)}ErrorsAlarm`,
        lambdaMetric(fn, 'Errors'),
        0,
        `The ${key} function failed (threw or timed out): read its log group's errors`,
      ),
    ];
    if (definition.reservedConcurrency === undefined)
      alarms.push(
        alarm(
          `${pascal(key)}ThrottlesAlarm`,
          lambdaMetric(fn, 'Throttles'),
          0,
          `The ${key} function was throttled: the account's concurrency is spent (docs/sending.md, "Alarms")`,
        ),
      );
    else if ((definition.retries ?? 0) > 0)
      alarms.push(
        alarm(
          `${pascal(key)}DroppedAlarm`,
          lambdaMetric(fn, 'AsyncEventsDropped'),
          0,
          `A ${key} firing was dropped after its retries: the tick starts the digest it missed; read the function's errors`,
        ),
      );
    return [key, alarms];
  }),
);

/**
 * The outbox's oldest unsent entry, as the tick measures it after each sweep (EMF, once a minute;
 * core/outbox/oldest.ts): an entry SES keeps refusing (throttled, the quota, a paused account)
 * is retried on a backoff and never shows in the stream's age, but its reader is waiting. The
 * threshold's reason is beside it (infra/alarm-names.ts).
 */
export const outboxOldestAlarm = alarm(
  'OutboxOldestAlarm',
  {
    namespace: METRICS_NAMESPACE,
    metricName: 'OldestWaiting',
    dimensions: { Path: 'outbox' },
    statistic: 'Maximum',
  },
  OUTBOX_OLDEST_ALARM_SECONDS,
  'A transactional email (a confirmation, a welcome) has waited over 15 minutes unsent: SES refusing (throttled, the quota, a paused account)? Read the tick\'s and the outbox function\'s logs (docs/sending.md, "Alarms")',
);

/**
 * The outbox's wake-up: the age of the newest stream record the outbox's sender has read. Kept
 * beside the oldest-entry alarm because it names another fault: the Streams consumer failing or
 * stuck, while the tick's minute sweep still sends (so no entry grows old, but every confirmation
 * takes a minute, not seconds). Five minutes behind is stuck, not slow.
 */
export const outboxAgeAlarm = alarm(
  'OutboxAgeAlarm',
  { ...lambdaMetric(functionNames.outbox!, 'IteratorAge'), statistic: 'Maximum' },
  5 * 60 * 1000,
  'The outbox sender is over 5 minutes behind the table stream: confirmations are late; read the outbox function\'s errors (docs/sending.md, "Alarms")',
  { evaluationPeriods: 2 },
);

/** Every operation some function calls on the table (infra/functions.ts), as CloudWatch names it. */
export const tableOperations = [
  ...new Set(
    Object.values(functionDefinitions).flatMap((d) =>
      d.table.map((action: TableAction) => action.slice('dynamodb:'.length)),
    ),
  ),
].sort();

/**
 * The table's throttled requests, every operation summed (CloudWatch reports them per operation).
 * On demand, a table throttles past twice its previous peak, or a hot key past a partition's limit.
 */
export const tableThrottlesAlarm = new aws.cloudwatch.MetricAlarm('TableThrottlesAlarm', {
  alarmDescription:
    'DynamoDB throttled requests to the table: sends and signups are retried, but slow (docs/sending.md, "Alarms")',
  metricQueries: [
    ...tableOperations.map((operation, i) => ({
      id: `m${i}`,
      metric: {
        namespace: 'AWS/DynamoDB',
        metricName: 'ThrottledRequests',
        dimensions: { TableName: table.name, Operation: operation },
        stat: 'Sum',
        period: 300,
      },
    })),
    {
      id: 'throttled',
      expression: 'SUM(METRICS())',
      label: 'Throttled requests',
      returnData: true,
    },
  ],
  evaluationPeriods: 1,
  threshold: 0,
  comparisonOperator: 'GreaterThanThreshold',
  treatMissingData: 'notBreaching',
  ...notify,
});

/**
 * DynamoDB's user errors (HTTP 400s: an access denied, a malformed request), counted for the
 * account in the region, since CloudWatch has no per-table figure. A conditional write that
 * loses its race is not one (that is ConditionalCheckFailedRequests, the code's normal path).
 */
export const tableUserErrorsAlarm = alarm(
  'DynamoUserErrorsAlarm',
  { namespace: 'AWS/DynamoDB', metricName: 'UserErrors', statistic: 'Sum' },
  0,
  'DynamoDB refused requests as malformed or not allowed (a missing grant?): read the functions\' errors (docs/sending.md, "Alarms")',
);
