import { functionNames } from './function-names.js';

/**
 * When Lambda may move a function to a newer release of its runtime (nodejs22.x, and the AWS SDK
 * that release ships, which the bundles leave out: infra/functions.ts). Left on `Auto`, Lambda
 * swaps it under a running deployment whenever AWS releases one, untested. `FunctionUpdate`: only
 * when the function itself is deployed, so a runtime (and SDK) change arrives with a deploy,
 * after the tests, and a deploy that misbehaves shows it at once rather than weeks later.
 * `Manual` would pin one release by its ARN, which is only known from a deployed function
 * (`aws lambda get-runtime-management-config`): an operator may switch to it there.
 */
export const runtimeUpdates = Object.fromEntries(
  Object.entries(functionNames).map(([key, functionName]) => [
    key,
    new aws.lambda.RuntimeManagementConfig(
      `${key[0]!.toUpperCase()}${key.slice(1)}RuntimeUpdates`,
      {
        functionName,
        updateRuntimeOn: 'FunctionUpdate',
      },
    ),
  ]),
);
