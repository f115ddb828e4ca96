/**
 * Turns a plain function definition (infra/functions.ts) into SST's `FunctionArgs`: runtime,
 * size, environment, files, and IAM grants scoped to this stage's table and sending identity.
 * Nothing is `link`ed: a link grants `dynamodb:*` / `ses:*`, and the code reads plain environment
 * variables anyway, so each permission is written out (least privilege, README "Deploy").
 */
import { email, sendingResources } from './email.js';
import {
  bundleExternals,
  functionDefinitions,
  lambdaRuntime,
  packagedFolders,
  sendWorkers,
  type DeployedVariable,
  type FunctionDefinition,
} from './functions.js';
import { scheduleDefinitions } from './schedule-definitions.js';
import { signingSecret, suppressionSecret, turnstileSecret } from './secrets.js';
import { readDeploySettings } from './settings.js';
import { shardWork } from './shard-work.js';
import { blobs } from './storage.js';
import { table } from './table.js';

const settings = readDeploySettings(process.env);

/** A `fixedName` function's name: known before it exists, so another function can call it. */
export const fixedFunctionName = (name: string) => `${$app.name}-${$app.stage}-${name}`;
const region = aws.getRegionOutput().region;
const account = aws.getCallerIdentityOutput().accountId;
const functionArn = (name: string) =>
  $interpolate`arn:aws:lambda:${region}:${account}:function:${fixedFunctionName(name)}`;

/** Where each deployed configuration variable's value comes from. Unset optional ones are left out. */
function environmentValues(
  baseUrl: $util.Input<string>,
): Record<DeployedVariable, $util.Input<string> | undefined> {
  return {
    TABLE_NAME: table.name,
    BASE_URL: baseUrl,
    // The secret's value, encrypted at rest with Lambda's KMS key like every variable.
    SIGNING_SECRET: signingSecret.value,
    SUPPRESSION_SECRET: suppressionSecret.value,
    PUBLICATION_NAME: settings.publicationName,
    FROM_ADDRESS: settings.fromAddress,
    FROM_NAME: settings.fromName,
    REPLY_TO: settings.replyTo,
    POSTAL_ADDRESS: settings.postalAddress,
    LIST_ID: settings.listId,
    SES_CONFIGURATION_SET: email.configSet,
    CONTENT_DIR: packagedFolders.content,
    TEMPLATES_DIR: packagedFolders.templates,
    // The scheduled workers and every sender the fleet may run: together under the account's rate.
    SEND_WORKERS: String(sendWorkers + settings.sendFleetSize),
    SEND_RATE_FRACTION: settings.sendRateFraction,
    TRANSACTIONAL_RATE_SHARE: settings.transactionalRateShare,
    SHARD_QUEUE_URL: shardWork.url,
    TURNSTILE_SITE_KEY: settings.turnstileSiteKey,
    TURNSTILE_SECRET_KEY: turnstileSecret?.value,
    // The expressions the rules run (infra/schedules.ts), so the tick catches up the same times.
    DAILY_DIGEST_SCHEDULE: scheduleDefinitions.dailyDigest.expression,
    WEEKLY_DIGEST_SCHEDULE: scheduleDefinitions.weeklyDigest.expression,
    BLOB_BUCKET: blobs.name,
    JOBS_FUNCTION_NAME: fixedFunctionName('jobs'),
  };
}

type Options = {
  baseUrl: $util.Input<string>;
  /** The queue of a function with `onFailure: 'dead-letter-queue'`. */
  deadLetterQueueArn?: $util.Input<string>;
};

function permissions(
  definition: FunctionDefinition,
  options: Options,
): sst.aws.FunctionArgs['permissions'] {
  const grants: { actions: string[]; resources: $util.Input<$util.Input<string>[]> }[] = [];
  if (definition.table.length > 0) {
    grants.push({
      actions: [...definition.table],
      resources: [table.arn, $interpolate`${table.arn}/index/*`],
    });
  }
  if (definition.ses.includes('ses:SendRawEmail'))
    grants.push({ actions: ['ses:SendRawEmail'], resources: sendingResources });
  // GetSendQuota has no resource to scope to.
  if (definition.ses.includes('ses:GetSendQuota'))
    grants.push({ actions: ['ses:GetSendQuota'], resources: ['*'] });
  // Queuing shard work; receiving it is the sender's event source's, which SST grants itself.
  if (definition.queue?.length)
    grants.push({ actions: [...definition.queue], resources: [shardWork.arn] });
  // The bucket's objects, never the bucket itself (no listing, no policy or CORS changes).
  if (definition.s3?.length)
    grants.push({ actions: [...definition.s3], resources: [$interpolate`${blobs.arn}/*`] });
  // Waking the job runner: that one function, no other.
  if (definition.invoke?.length)
    grants.push({ actions: [...definition.invoke], resources: [functionArn('jobs')] });
  // Lambda sends the on-failure record with the function's own role. Reading and deleting the
  // dead letters is the operator's CLI's, granted to no function.
  const queue = deadLetterQueueOf(definition, options);
  if (queue) grants.push({ actions: ['sqs:SendMessage'], resources: [queue] });
  return grants;
}

/** Lambda's asynchronous invocation settings: how old an event may grow, where a failure goes. */
function eventInvokeConfig(
  definition: FunctionDefinition,
  options: Options,
): sst.aws.FunctionArgs['transform'] {
  const { maxEventAgeSeconds } = definition;
  const queue = deadLetterQueueOf(definition, options);
  if (maxEventAgeSeconds === undefined && queue === undefined) return undefined;
  return {
    eventInvokeConfig: (args) => {
      if (maxEventAgeSeconds !== undefined) args.maximumEventAgeInSeconds = maxEventAgeSeconds;
      if (queue) args.destinationConfig = { onFailure: { destination: queue } };
    },
  };
}

function deadLetterQueueOf(definition: FunctionDefinition, options: Options) {
  if (!definition.onFailure) return undefined;
  // SST creates the invocation config (where the destination lives) only when retries are set.
  if (definition.retries === undefined || !options.deadLetterQueueArn)
    throw new Error('onFailure needs retries set and deadLetterQueueArn passed to functionArgs');
  return options.deadLetterQueueArn;
}

export function functionArgs(name: string, options: Options): sst.aws.FunctionArgs {
  const definition = functionDefinitions[name];
  if (!definition) throw new Error(`no function named ${name} in infra/functions.ts`);
  const values = environmentValues(options.baseUrl);
  const environment: Record<string, $util.Input<string>> = {};
  for (const key of definition.environment) {
    const value = values[key];
    if (value !== undefined) environment[key] = value;
  }
  return {
    handler: definition.handler,
    ...(definition.fixedName ? { name: fixedFunctionName(name) } : {}),
    description: definition.description,
    runtime: lambdaRuntime.runtime,
    architecture: lambdaRuntime.architecture,
    // Lambda's JSON log format: its own lines (START, REPORT, errors) are JSON like the app's, so
    // Logs Insights reads every field without a parse step, and the EMF metric lines
    // (functions/metrics.ts) stay whole JSON lines for CloudWatch to extract.
    logging: { format: 'json' },
    memory: definition.memory,
    timeout: definition.timeout,
    environment,
    permissions: permissions(definition, options),
    copyFiles: definition.copyFiles.map((folder) => ({ from: packagedFolders[folder] })),
    nodejs: {
      format: 'esm',
      minify: true,
      // What a function imports on first use (MJML, ~3 MB of the renderers) becomes its own
      // file, read then: without it every start compiles the whole bundle (~100 ms for the tick).
      splitting: true,
      esbuild: { external: [...bundleExternals] },
      ...(definition.install ? { install: [...definition.install] } : {}),
    },
    ...(definition.reservedConcurrency === undefined
      ? {}
      : { concurrency: { reserved: definition.reservedConcurrency } }),
    ...(definition.retries === undefined ? {} : { retries: definition.retries }),
    transform: eventInvokeConfig(definition, options),
  };
}
