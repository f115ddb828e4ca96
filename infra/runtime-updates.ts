import { functionNames } from './function-names.js';
import { readDeploySettings } from './settings.js';

const { lambdaRuntimeVersion } = readDeploySettings(process.env);

/**
 * When Lambda may move a function to a newer release of its runtime: nodejs22.x's Node patch
 * release and the AWS SDK it ships, which the bundles leave out (infra/functions.ts), so the SDK
 * the code calls is whatever the release carries. Never `Auto`: Lambda would swap it under a
 * running deployment whenever AWS releases one, untested.
 * - Default, `FunctionUpdate`: only when the function itself is deployed, so a runtime (and SDK)
 *   change arrives with a deploy, after the tests, and a deploy that misbehaves shows it at once
 *   rather than weeks later. Each function logs the Node and SDK it runs (functions/logger.ts).
 * - With DISPATCH_LAMBDA_RUNTIME_VERSION (infra/settings.ts), `Manual` on that release: every
 *   function stays on it through deploys until the setting changes, e.g. to hold the SDK a stage
 *   was checked with while a newer release is looked at. Its ARN is known only from a deployed
 *   function, so the first deploy of a stage is unpinned (docs/deploy.md, "Pinning the runtime").
 *   The price: no security patches of the runtime until the pin moves, and Lambda refuses a change
 *   of `runtime` (to nodejs24.x) while pinned, so unpin first.
 */
const mode = lambdaRuntimeVersion
  ? { updateRuntimeOn: 'Manual', runtimeVersionArn: lambdaRuntimeVersion }
  : { updateRuntimeOn: 'FunctionUpdate' };

export const runtimeUpdates = Object.fromEntries(
  Object.entries(functionNames).map(([key, functionName]) => [
    key,
    new aws.lambda.RuntimeManagementConfig(
      `${key[0]!.toUpperCase()}${key.slice(1)}RuntimeUpdates`,
      { functionName, ...mode },
    ),
  ]),
);
