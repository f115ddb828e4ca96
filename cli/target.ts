/**
 * Which deployment a CLI command runs against, chosen once and never mixed: `--stage local` (the
 * default outside `sst shell`) is the stack `npm start` runs, whose settings are in
 * `.data/local-stack.json`; `--stage <name>` is a deployed stage, whose values come from
 * `sst shell --stage <name>` (its `SST_RESOURCE_<Name>` variables, secrets included) or, outside
 * it, from `.sst/outputs.json` when that file is the same stage's. On a stage, any value that
 * belongs to the local stack (an endpoint on this machine, the emulators' `local` credentials, the
 * local signing secret) is refused by name: such a run would send real readers links to localhost.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { configKeys, requiredConfigKeys } from '../functions/config.js';
import { readDeploySettings } from '../infra/settings.js';
import { dataDirOf, readStackInfo } from '../local/environment.js';

export type Target =
  | { kind: 'local' }
  | { kind: 'stage'; stage: string; from: 'sst shell' | '.sst/outputs.json' };

/** Why the CLI will not run against what it was pointed at; its message says what to do. */
export class TargetRefused extends Error {
  override name = 'TargetRefused';
}

type Env = Record<string, string | undefined>;
/** One `SST_RESOURCE_<Name>` variable, parsed: the component's type and its linked properties. */
type Resource = { type?: string } & Record<string, unknown>;

/** What `sst shell` put in the environment, by resource name (`App` is the app and stage). */
export function sstResources(env: Env): Record<string, Resource> {
  const resources: Record<string, Resource> = {};
  for (const [key, value] of Object.entries(env)) {
    if (!key.startsWith('SST_RESOURCE_') || !value) continue;
    try {
      resources[key.slice('SST_RESOURCE_'.length)] = JSON.parse(value) as Resource;
    } catch {
      throw new TargetRefused(`${key} is not JSON: it was not set by \`sst shell\`.`);
    }
  }
  return resources;
}

const STAGE_NAME = /^[A-Za-z0-9][A-Za-z0-9-]*$/;

/**
 * The target from the `--stage` option and the environment. Inside `sst shell` the shell's stage
 * is the target; a `--stage` that names another (or `local`) is a mix, refused.
 */
export function chooseTarget(flag: string | undefined, env: Env): Target {
  const app = sstResources(env).App;
  const shellStage = typeof app?.stage === 'string' ? app.stage : undefined;
  if (flag !== undefined && !STAGE_NAME.test(flag))
    throw new TargetRefused(`--stage must be local or a stage's name, not "${flag}"`);
  if (shellStage) {
    if (flag !== undefined && flag !== shellStage)
      throw new TargetRefused(
        `This shell is \`sst shell --stage ${shellStage}\`, but --stage says ${flag}: run it with --stage ${shellStage}, or outside sst shell${flag === 'local' ? ' for the local stack' : ` (or in \`npx sst shell --stage ${flag}\`)`}.`,
      );
    return { kind: 'stage', stage: shellStage, from: 'sst shell' };
  }
  if (flag === undefined || flag === 'local') return { kind: 'local' };
  return { kind: 'stage', stage: flag, from: '.sst/outputs.json' };
}

/** `sst.config.ts`'s outputs, as `sst deploy` writes them to `.sst/outputs.json`. */
export type StageOutputs = Record<string, unknown>;

/**
 * A secret's variable from its `sst.Secret` name: SigningSecret → SIGNING_SECRET. Every secret the
 * stage links is taken this way, so a new required secret needs no change here.
 */
export const secretVariable = (name: string) =>
  name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();

/**
 * The configuration of a stage: the deployed resources' names and URLs, every secret `sst shell`
 * gives, the publication's settings (the `DISPATCH_*` variables the stage was deployed with), and
 * the SES events' dead-letter queue for `npm run events`.
 */
export function stageValues(
  target: Extract<Target, { kind: 'stage' }>,
  env: Env,
  outputs?: StageOutputs,
): Record<string, string> {
  const resources = target.from === 'sst shell' ? sstResources(env) : {};
  if (target.from === '.sst/outputs.json') {
    if (!outputs)
      throw new TargetRefused(
        `No values for stage ${target.stage}: run the command through \`npx sst shell --stage ${target.stage} -- npm run …\` (docs/deploy.md, "Running the CLI against a stage").`,
      );
    if (outputs.stage !== target.stage)
      throw new TargetRefused(
        `.sst/outputs.json is stage ${typeof outputs.stage === 'string' ? outputs.stage : '(unnamed)'}'s, not ${target.stage}'s: run the command through \`npx sst shell --stage ${target.stage} -- npm run …\`.`,
      );
  }
  const out = outputs ?? {};
  const pick = (resource: string, property: string, output: string) => {
    const value = resources[resource]?.[property] ?? out[output];
    return typeof value === 'string' && value !== '' ? value : undefined;
  };
  const app = typeof resources.App?.name === 'string' ? resources.App.name : 'dispatch';
  const values: Record<string, string | undefined> = {
    TABLE_NAME: pick('Table', 'name', 'table'),
    BASE_URL: pick('Api', 'url', 'url'),
    SES_CONFIGURATION_SET: pick('Email', 'configSet', 'configurationSet'),
    SHARD_QUEUE_URL: pick('ShardWork', 'url', 'shardWork'),
    BLOB_BUCKET: pick('Blobs', 'name', 'blobs'),
    SES_EVENTS_DLQ_URL: pick('SesEventsDeadLetters', 'url', 'sesEventsDeadLetters'),
    // infra/function-args.ts's fixedFunctionName.
    JOBS_FUNCTION_NAME: `${app}-${target.stage}-jobs`,
  };
  for (const [name, resource] of Object.entries(resources))
    if (resource.type === 'sst.sst.Secret' && typeof resource.value === 'string')
      values[secretVariable(name)] = resource.value;
  Object.assign(values, publicationValues(env, target.stage));
  // The queue's URL names its region; the SDK needs one.
  const region = /^https:\/\/sqs\.([a-z0-9-]+)\.amazonaws\.com\//.exec(
    values.SHARD_QUEUE_URL ?? '',
  );
  if (!env.AWS_REGION && region?.[1]) values.AWS_REGION = region[1];
  return Object.fromEntries(
    Object.entries(values).filter((e): e is [string, string] => e[1] !== undefined),
  );
}

/** The publication's settings as the deploy read them (infra/settings.ts), when they are set. */
function publicationValues(env: Env, stage: string): Record<string, string | undefined> {
  if (!env.DISPATCH_DOMAIN && !env.DISPATCH_POSTAL_ADDRESS) return {};
  let s: ReturnType<typeof readDeploySettings>;
  try {
    s = readDeploySettings(env);
  } catch (error) {
    throw new TargetRefused(
      `Stage ${stage}'s publication settings: ${(error as Error).message.replace(/^[^\n]*\n/, '')}\n  (the DISPATCH_* variables the stage was deployed with)`,
    );
  }
  return {
    PUBLICATION_NAME: s.publicationName,
    FROM_ADDRESS: s.fromAddress,
    FROM_NAME: s.fromName,
    REPLY_TO: s.replyTo,
    POSTAL_ADDRESS: s.postalAddress,
    LIST_ID: s.listId,
    TURNSTILE_SITE_KEY: s.turnstileSiteKey,
  };
}

/** Where a required variable of a stage comes from, for the message that says it is missing. */
function sourceOf(key: string, stage: string): string {
  if (['PUBLICATION_NAME', 'FROM_ADDRESS', 'POSTAL_ADDRESS'].includes(key))
    return 'set DISPATCH_DOMAIN and DISPATCH_POSTAL_ADDRESS (and the other DISPATCH_* settings) as for the deploy';
  if (/SECRET/.test(key))
    return `a secret: run through \`npx sst shell --stage ${stage} -- npm run …\``;
  return `deploy the stage, or run through \`npx sst shell --stage ${stage} -- npm run …\``;
}

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\]|0\.0\.0\.0)$/i;

/** The local stack's secrets, by variable, and the file under the data folder each is made in. */
const LOCAL_SECRET_FILES = {
  SIGNING_SECRET: 'signing-secret',
  SUPPRESSION_SECRET: 'suppression-secret',
} as const;
export type LocalSecrets = Partial<Record<keyof typeof LOCAL_SECRET_FILES, string>>;

/** The variables that say where the CLI connects and with what: the configuration's and the SDK's. */
const watched = (key: string) =>
  (configKeys as string[]).includes(key) || key.startsWith('AWS_') || key === 'SES_EVENTS_DLQ_URL';

/**
 * The local stack's values in an environment meant for a stage, each with why it is local.
 * `localSecrets` are the local stack's secrets (`.data/signing-secret`, `.data/suppression-secret`).
 */
export function localValues(
  env: Env,
  localSecrets: LocalSecrets = {},
): { name: string; why: string }[] {
  const found: { name: string; why: string }[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (!value || !watched(name)) continue;
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
      let host = '';
      try {
        host = new URL(value).hostname;
      } catch {}
      if (LOOPBACK.test(host)) found.push({ name, why: `${value} is on this machine` });
      else if (value.startsWith('in-process://'))
        found.push({ name, why: "the local stack's in-process queue" });
    }
  }
  for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'])
    if (env[name] === 'local') found.push({ name, why: "the local emulators' credentials" });
  for (const [name, file] of Object.entries(LOCAL_SECRET_FILES)) {
    const local = localSecrets[name as keyof LocalSecrets];
    if (local && env[name] === local)
      found.push({ name, why: `the local stack's secret (.data/${file})` });
  }
  if (env.OUTBOX_DIR) found.push({ name: 'OUTBOX_DIR', why: "the local stack's mail archive" });
  if (env.TABLE_NAME === 'dispatch-local')
    found.push({ name: 'TABLE_NAME', why: "the local stack's table" });
  return found;
}

/**
 * What the local target lacks to be local: the SDK's endpoints for DynamoDB and SES. Without them
 * the SDK would reach AWS itself, and a local run (which sends in this process) would send real
 * mail at a pace of its own beside the deployment's.
 */
export function missingLocalEndpoints(env: Env): string[] {
  return ['AWS_ENDPOINT_URL_DYNAMODB', 'AWS_ENDPOINT_URL_SES'].filter(
    (name) => !env[name] && !env.AWS_ENDPOINT_URL,
  );
}

/**
 * The values a stage's commands run with, to put over the caller's environment; refused when
 * the caller set one of them to something else (which would be a mix), when any local value is
 * left, or when a required variable has no value.
 */
export function stageEnvironment(
  target: Extract<Target, { kind: 'stage' }>,
  env: Env,
  outputs?: StageOutputs,
  localSecrets: LocalSecrets = {},
): Record<string, string> {
  const values = stageValues(target, env, outputs);
  const problems: string[] = [];
  for (const [name, value] of Object.entries(values))
    if (env[name] !== undefined && env[name] !== '' && env[name] !== value)
      problems.push(
        `  ${name}: set here to ${show(name, env[name])}, but the stage's is ${show(name, value)}; unset it`,
      );
  const merged: Env = { ...env, ...values };
  for (const { name, why } of localValues(merged, localSecrets))
    problems.push(`  ${name}: ${why}; unset it`);
  if (problems.length > 0)
    throw new TargetRefused(
      `Refusing to run against stage ${target.stage} with these values:\n${problems.join('\n')}\n(a shell that ran \`npm start\` or loaded its settings keeps them: open a new one).`,
    );
  const missing = requiredConfigKeys.filter((key) => !merged[key]);
  if (missing.length > 0)
    throw new TargetRefused(
      `Stage ${target.stage} is missing:\n${missing.map((key) => `  ${key}: ${sourceOf(key, target.stage)}`).join('\n')}`,
    );
  return values;
}

/** A secret is never printed, not even in a refusal. */
const show = (name: string, value: string | undefined) =>
  /SECRET/.test(name) ? '(a secret)' : `"${value}"`;

/**
 * Resolves the target and puts its values in `process.env` (the SDK reads its region and
 * credentials there): the local stack's settings where unset, or the stage's, checked.
 */
export async function applyTarget(flag: string | undefined, env = process.env): Promise<Target> {
  const target = chooseTarget(flag, env);
  const dataDir = dataDirOf(env);
  if (target.kind === 'local') {
    const stack = await readStackInfo(dataDir);
    for (const [key, value] of Object.entries(stack?.env ?? {})) env[key] ??= value;
    const missing = missingLocalEndpoints(env);
    if (missing.length > 0)
      throw new TargetRefused(
        `The target is the local stack, but ${stack ? `${join(dataDir, 'local-stack.json')} and the environment set` : `there is none (no ${join(dataDir, 'local-stack.json')}) and the environment sets`} no ${missing.join(' or ')}: the SDK would reach AWS. Start the local stack with \`npm start\` in another terminal, or name a deployed stage with --stage <name> (docs/deploy.md).`,
      );
    return target;
  }
  const outputs = target.from === '.sst/outputs.json' ? await readOutputs() : undefined;
  const localSecrets: LocalSecrets = {};
  for (const [name, file] of Object.entries(LOCAL_SECRET_FILES)) {
    const path = join(dataDir, file);
    if (existsSync(path))
      localSecrets[name as keyof LocalSecrets] = (await readFile(path, 'utf8')).trim();
  }
  Object.assign(env, stageEnvironment(target, env, outputs, localSecrets));
  console.error(`Stage ${target.stage} (values from ${target.from}).`);
  return target;
}

async function readOutputs(): Promise<StageOutputs | undefined> {
  const file = resolve('.sst/outputs.json');
  return existsSync(file) ? (JSON.parse(await readFile(file, 'utf8')) as StageOutputs) : undefined;
}

/** What a command that would send in this process says on a stage, where the fleet sends. */
export function refuseSendingHere(target: Target, what: string): void {
  if (target.kind === 'stage')
    throw new TargetRefused(
      `${what} would send from this machine, which the CLI never does on a stage: stage ${target.stage}'s own functions send, at the account's one pace. To send an issue there, npm run issue -- send <id> --stage ${target.stage} queues it for the sender fleet and watches.`,
    );
}
