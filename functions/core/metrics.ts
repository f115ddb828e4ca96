/**
 * Where a count of outcomes goes: the operator's metrics (CloudWatch's Embedded Metric Format on
 * AWS, functions/metrics.ts). Counted per batch where the loop is hot: a page of an issue's
 * sends, an outbox batch, one signup.
 */
export type MetricPath = 'send' | 'outbox' | 'signup';

export interface Metrics {
  count(path: MetricPath, outcomes: Readonly<Record<string, number>>): void;
  /**
   * One reading of a level, in seconds (the outbox's oldest waiting entry): written whatever its
   * value, 0 included, so a graph and an alarm read "nothing waits" rather than no data.
   */
  gauge(path: MetricPath, name: string, seconds: number): void;
}
