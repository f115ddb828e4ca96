import type { MetricPath, Metrics } from './core/metrics.js';
import type { Logger } from './logger.js';

/** The CloudWatch namespace of every metric the code emits. */
export const METRICS_NAMESPACE = 'Dispatch';

/** `sent` -> `Sent`, `delivery_delay` -> `DeliveryDelay`: CloudWatch's metric names. */
const metricName = (outcome: string) =>
  outcome.replace(/(^|[_-])([a-z])/g, (_, __, ch: string) => ch.toUpperCase());

/**
 * One Embedded Metric Format record: a JSON log line whose `_aws` key tells CloudWatch which of
 * its members are metrics (a count per outcome, named as above) and which are dimensions (the
 * path). CloudWatch extracts them from the log group; nothing calls PutMetricData, so no grant is
 * needed and no request is made. Undefined when nothing happened (all zero): no line.
 */
export function emfRecord(
  path: MetricPath,
  outcomes: Readonly<Record<string, number>>,
  now = Date.now(),
): Record<string, unknown> | undefined {
  const counted = Object.entries(outcomes).filter(([, n]) => Number.isFinite(n) && n > 0);
  if (counted.length === 0) return undefined;
  return emfLine(path, Object.fromEntries(counted), 'Count', now);
}

/** A gauge's record: one metric in seconds, written even at 0 (a level, not a count of events). */
export function emfGaugeRecord(
  path: MetricPath,
  name: string,
  seconds: number,
  now = Date.now(),
): Record<string, unknown> {
  return emfLine(path, { [name]: Math.max(0, Math.round(seconds)) }, 'Seconds', now);
}

function emfLine(
  path: MetricPath,
  measured: Record<string, number>,
  unit: 'Count' | 'Seconds',
  now: number,
): Record<string, unknown> {
  const values = Object.fromEntries(
    Object.entries(measured).map(([name, n]) => [metricName(name), n]),
  );
  return {
    _aws: {
      Timestamp: now,
      CloudWatchMetrics: [
        {
          Namespace: METRICS_NAMESPACE,
          Dimensions: [['Path']],
          Metrics: Object.keys(values).map((Name) => ({ Name, Unit: unit })),
        },
      ],
    },
    Path: path,
    ...values,
  };
}

/**
 * Metrics written through the process's one logger (functions/logger.ts): Powertools puts the
 * record's keys at the root of its JSON line, which is what EMF reads, and Lambda's JSON log
 * format keeps the line whole. They are INFO lines: a log level above INFO drops them too.
 */
export const emfMetrics = (logger: Logger): Metrics => ({
  count(path, outcomes) {
    const record = emfRecord(path, outcomes);
    if (record) logger.info(`metrics: ${path}`, record);
  },
  gauge(path, name, seconds) {
    logger.info(`metrics: ${path} ${name}`, emfGaugeRecord(path, name, seconds));
  },
});
