import { Logger } from '@aws-lambda-powertools/logger';

export type { Logger };

/**
 * The one logger of every function and of the local stack: Powertools' structured JSON on stdout
 * (CloudWatch on Lambda), its level from POWERTOOLS_LOG_LEVEL. Handlers add the Lambda context
 * (`addContext`) and the HTTP app the request id, so every line can be traced to its invocation.
 * Components take it as an injected dependency; tests pass their own to read what was logged.
 */
export const createLogger = (serviceName = 'dispatch') => new Logger({ serviceName });
