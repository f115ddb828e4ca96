/**
 * Where a count of outcomes goes: the operator's metrics (CloudWatch's Embedded Metric Format on
 * AWS, functions/metrics.ts). Counted per batch where the loop is hot: a page of an issue's
 * sends, an outbox batch, one signup.
 */
export type MetricPath = 'send' | 'outbox' | 'signup';

export interface Metrics {
  count(path: MetricPath, outcomes: Readonly<Record<string, number>>): void;
}
