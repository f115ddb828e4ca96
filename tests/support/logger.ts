import { Logger } from '@aws-lambda-powertools/logger';

type LogItem = Parameters<Logger['printLog']>[1];

/**
 * A Powertools Logger whose lines are kept, parsed, instead of written: each as it would reach
 * stdout (the same attributes and JSON replacer), so a test reads what an operator would.
 */
export class CapturingLogger extends Logger {
  readonly lines: Record<string, unknown>[] = [];
  protected override printLog(_level: number, log: LogItem) {
    log.prepareForPrint();
    this.lines.push(JSON.parse(JSON.stringify(log.getAttributes(), this.getJsonReplacer())));
  }
}

/** A logger whose lines are read by the test; `quietLogger()` when nobody reads them. */
export const captureLogger = () => new CapturingLogger({ serviceName: 'dispatch-test' });
export const quietLogger = captureLogger;
