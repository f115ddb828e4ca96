import { OUTBOX_OLDEST_ALARM_SECONDS, reputationThresholds } from './alarm-names.js';
import { tableOperations } from './alarms.js';
import { functionNames } from './function-names.js';
import { reputationPauseDeadLetters, sesEventsDeadLetters } from './dead-letters.js';
import { outboxFailures } from './outbox.js';
import { shardWorkDeadLetters } from './shard-work.js';
import { table } from './table.js';

const region = aws.getRegionOutput().region;

type Widget = { title: string; metrics: unknown[][]; stat?: string; annotations?: unknown };

/** A line graph of five-minute points, as CloudWatch's dashboard body describes one. */
const graph = ({ title, metrics, stat = 'Sum', annotations }: Widget, index: number) => ({
  type: 'metric',
  width: 12,
  height: 6,
  x: (index % 2) * 12,
  y: Math.floor(index / 2) * 6,
  properties: {
    title,
    region,
    view: 'timeSeries',
    stat,
    period: 300,
    metrics,
    ...(annotations ? { annotations } : {}),
  },
});

const perFunction = (metricName: string) =>
  Object.entries(functionNames).map(([key, name]) => [
    'AWS/Lambda',
    metricName,
    'FunctionName',
    name,
    { label: key },
  ]);

const queues = {
  sesEvents: sesEventsDeadLetters,
  outbox: outboxFailures,
  shardWork: shardWorkDeadLetters,
  reputationPause: reputationPauseDeadLetters,
};

/**
 * One page with what the alarms watch (infra/alarms.ts), each graph beside its threshold, so an
 * operator who got an alert sees its history and its neighbours at once.
 */
export const dashboard = new aws.cloudwatch.Dashboard('Dashboard', {
  dashboardName: `${$app.name}-${$app.stage}`,
  dashboardBody: $jsonStringify({
    widgets: [
      {
        title: 'SES reputation (the account; SES reviews at 5 % and 0.1 %)',
        stat: 'Maximum',
        metrics: [
          ['AWS/SES', 'Reputation.BounceRate', { label: 'Bounce rate' }],
          ['AWS/SES', 'Reputation.ComplaintRate', { label: 'Complaint rate' }],
        ],
        annotations: {
          horizontal: [
            { label: 'Bounce alarm', value: reputationThresholds.bounceRate },
            { label: 'Complaint alarm', value: reputationThresholds.complaintRate },
          ],
        },
      },
      {
        title: 'Dead letters visible',
        stat: 'Maximum',
        metrics: Object.entries(queues).map(([label, queue]) => [
          'AWS/SQS',
          'ApproximateNumberOfMessagesVisible',
          'QueueName',
          queue.nodes.queue.name,
          { label },
        ]),
      },
      {
        // The code's own EMF metrics (functions/metrics.ts): a page of sends, an outbox batch, a signup.
        title: 'Outcomes: sends, outbox, signups',
        metrics: [
          ...['Sent', 'Failed', 'Ambiguous', 'Suppressed', 'Skipped'].map((name) => [
            'Dispatch',
            name,
            'Path',
            'send',
            { label: `send ${name.toLowerCase()}` },
          ]),
          ...['Sent', 'Retry', 'Failed'].map((name) => [
            'Dispatch',
            name,
            'Path',
            'outbox',
            { label: `outbox ${name.toLowerCase()}` },
          ]),
          ...['Accepted', 'Refused', 'RateLimited', 'Failed'].map((name) => [
            'Dispatch',
            name,
            'Path',
            'signup',
            { label: `signup ${name.toLowerCase()}` },
          ]),
        ],
      },
      { title: 'Function errors', metrics: perFunction('Errors') },
      { title: 'Function throttles', metrics: perFunction('Throttles') },
      {
        title: 'Outbox: oldest unsent entry (s)',
        stat: 'Maximum',
        metrics: [['Dispatch', 'OldestWaiting', 'Path', 'outbox', { label: 'Oldest waiting' }]],
        annotations: { horizontal: [{ label: 'Alarm', value: OUTBOX_OLDEST_ALARM_SECONDS }] },
      },
      {
        title: 'Outbox: stream iterator age (ms)',
        stat: 'Maximum',
        metrics: [['AWS/Lambda', 'IteratorAge', 'FunctionName', functionNames.outbox]],
        annotations: { horizontal: [{ label: 'Alarm', value: 5 * 60 * 1000 }] },
      },
      {
        title: 'DynamoDB: throttled requests by operation, user errors (account)',
        metrics: [
          ...tableOperations.map((operation) => [
            'AWS/DynamoDB',
            'ThrottledRequests',
            'TableName',
            table.name,
            'Operation',
            operation,
          ]),
          ['AWS/DynamoDB', 'UserErrors', { label: 'User errors (account)' }],
        ],
      },
    ].map(graph),
  }),
});
