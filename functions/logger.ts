import { createRequire } from 'node:module';
import { Logger } from '@aws-lambda-powertools/logger';

export type { Logger };

/**
 * On Lambda, what runs the code: Node's version and the AWS SDK's. The bundles leave the SDK to
 * the runtime (infra/functions.ts), so its version is the runtime release's, not package-lock's,
 * and only the function itself can tell it: read once per instance from the copy the runtime
 * provides (require finds it as the bundle's imports do), then written on every line, so an
 * operator sees what a runtime release brought and what a pin holds (docs/deploy.md). Locally
 * (no AWS_LAMBDA_FUNCTION_NAME) nothing is added.
 */
function runtimeVersions(): Record<string, string> {
  if (!process.env.AWS_LAMBDA_FUNCTION_NAME) return {};
  let awsSdk = 'unknown';
  try {
    awsSdk = createRequire(import.meta.url)('@aws-sdk/client-dynamodb/package.json').version;
  } catch {
    // A logger must never fail a cold start; 'unknown' says the SDK was not where it should be.
  }
  return { node: process.version, awsSdk };
}
const runtime = runtimeVersions();

/**
 * The one logger of every function and of the local stack: Powertools' structured JSON on stdout
 * (CloudWatch on Lambda), its level from POWERTOOLS_LOG_LEVEL. Handlers add the Lambda context
 * (`addContext`) and the HTTP app the request id, so every line can be traced to its invocation.
 * Components take it as an injected dependency; tests pass their own to read what was logged.
 */
export const createLogger = (serviceName = 'dispatch') =>
  new Logger({ serviceName, persistentKeys: runtime });
