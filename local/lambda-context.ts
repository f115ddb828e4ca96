import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

/**
 * The context Lambda hands a handler, for the functions the local runtime invokes in-process:
 * each invocation its own request id (its log lines carry it), `budgetMs` its timeout.
 */
export function lambdaContext(functionName: string, budgetMs: number): Context {
  const deadline = Date.now() + budgetMs;
  const region = process.env.AWS_REGION ?? 'us-east-1';
  return {
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:000000000000:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}
