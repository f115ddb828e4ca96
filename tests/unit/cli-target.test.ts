import { beforeAll, describe, expect, it } from 'vitest';
import { configKeys } from '../../functions/config.js';
import {
  chooseTarget,
  localValues,
  missingLocalEndpoints,
  secretVariable,
  stageEnvironment,
  stageValues,
  TargetRefused,
} from '../../cli/target.js';
import { exampleSettings, synthesize, type Synthesis } from '../support/sst-stub.js';

const SECRET = 'a-stage-secret-of-more-than-32-characters';
const QUEUE = 'https://sqs.eu-west-1.amazonaws.com/123456789012/dispatch-production-ShardWork';

/** What `sst shell --stage production` puts in the environment (SST_RESOURCE_<Name> JSON). */
const shell = (stage = 'production') => ({
  SST_RESOURCE_App: JSON.stringify({ name: 'dispatch', stage }),
  SST_RESOURCE_Table: JSON.stringify({ type: 'sst.aws.Dynamo', name: 'dispatch-production-Table' }),
  SST_RESOURCE_Api: JSON.stringify({
    type: 'sst.aws.ApiGatewayV2',
    url: 'https://news.example.com',
  }),
  SST_RESOURCE_Email: JSON.stringify({
    type: 'sst.aws.Email',
    sender: 'news.example.com',
    configSet: 'dispatch-production-EmailConfig',
  }),
  SST_RESOURCE_ShardWork: JSON.stringify({ type: 'sst.aws.Queue', url: QUEUE }),
  SST_RESOURCE_Blobs: JSON.stringify({ type: 'sst.aws.Bucket', name: 'dispatch-production-blobs' }),
  SST_RESOURCE_SigningSecret: JSON.stringify({ type: 'sst.sst.Secret', value: SECRET }),
  SST_RESOURCE_SuppressionSecret: JSON.stringify({ type: 'sst.sst.Secret', value: `s-${SECRET}` }),
  ...exampleSettings,
});

const refusal = (f: () => unknown) => {
  try {
    f();
  } catch (error) {
    expect(error).toBeInstanceOf(TargetRefused);
    return (error as Error).message;
  }
  throw new Error('expected a refusal');
};

describe('choosing the target', () => {
  it('is the local stack without --stage or with --stage local, outside sst shell', () => {
    expect(chooseTarget(undefined, {})).toEqual({ kind: 'local' });
    expect(chooseTarget('local', {})).toEqual({ kind: 'local' });
    expect(chooseTarget('production', {})).toEqual({
      kind: 'stage',
      stage: 'production',
      from: '.sst/outputs.json',
    });
  });

  it("is sst shell's stage inside it, and refuses a --stage that names another or local", () => {
    expect(chooseTarget(undefined, shell())).toEqual({
      kind: 'stage',
      stage: 'production',
      from: 'sst shell',
    });
    expect(chooseTarget('production', shell()).kind).toBe('stage');
    expect(refusal(() => chooseTarget('local', shell()))).toMatch(
      /sst shell --stage production`, but --stage says local/,
    );
    expect(refusal(() => chooseTarget('dev', shell()))).toMatch(/npx sst shell --stage dev/);
    expect(refusal(() => chooseTarget('../prod', {}))).toMatch(/--stage must be local or/);
  });
});

describe("a stage's values", () => {
  const stage = { kind: 'stage', stage: 'production', from: 'sst shell' } as const;

  it("come from sst shell's resources, every linked secret by its name, the region from the queue", () => {
    expect(stageEnvironment(stage, shell())).toEqual({
      TABLE_NAME: 'dispatch-production-Table',
      BASE_URL: 'https://news.example.com',
      SES_CONFIGURATION_SET: 'dispatch-production-EmailConfig',
      SHARD_QUEUE_URL: QUEUE,
      BLOB_BUCKET: 'dispatch-production-blobs',
      JOBS_FUNCTION_NAME: 'dispatch-production-jobs',
      SIGNING_SECRET: SECRET,
      SUPPRESSION_SECRET: `s-${SECRET}`,
      PUBLICATION_NAME: 'The Regional Dispatch',
      FROM_ADDRESS: 'newsletter@news.example.com',
      POSTAL_ADDRESS: exampleSettings.DISPATCH_POSTAL_ADDRESS,
      AWS_REGION: 'eu-west-1',
    });
    expect(secretVariable('TurnstileSecretKey')).toBe('TURNSTILE_SECRET_KEY');
  });

  it('refuse every local value by name, and never print a secret', () => {
    const env = {
      ...shell(),
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:8000',
      AWS_ENDPOINT_URL_SES: 'http://localhost:8005',
      OUTBOX_DIR: '.data/outbox',
      SIGNING_SECRET: 'the-local-stacks-signing-secret-from-its-file',
      SUPPRESSION_SECRET: 'the-local-stacks-suppression-secret-from-its-file',
    };
    const message = refusal(() =>
      stageEnvironment(stage, env, undefined, {
        SIGNING_SECRET: env.SIGNING_SECRET,
        SUPPRESSION_SECRET: env.SUPPRESSION_SECRET,
      }),
    );
    for (const name of [
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
      'AWS_ENDPOINT_URL_DYNAMODB',
      'AWS_ENDPOINT_URL_SES',
      'OUTBOX_DIR',
      'SIGNING_SECRET',
      'SUPPRESSION_SECRET',
    ])
      expect(message).toMatch(new RegExp(`^  ${name}: `, 'm'));
    expect(message).not.toContain(SECRET);
    expect(message).not.toContain(env.SIGNING_SECRET);
    expect(message).not.toContain(env.SUPPRESSION_SECRET);
  });

  it('refuse a value set in the environment that differs from the stage (a mix)', () => {
    const message = refusal(() =>
      stageEnvironment(stage, { ...shell(), TABLE_NAME: 'dispatch-dev-Table' }),
    );
    expect(message).toMatch(
      /TABLE_NAME: set here to "dispatch-dev-Table", but the stage's is "dispatch-production-Table"/,
    );
    // The same value is no mix.
    expect(() =>
      stageEnvironment(stage, { ...shell(), TABLE_NAME: 'dispatch-production-Table' }),
    ).not.toThrow();
  });

  it('name what is missing and where it comes from: a secret from sst shell, the publication from DISPATCH_*', () => {
    const { DISPATCH_DOMAIN: _d, DISPATCH_POSTAL_ADDRESS: _p, ...noSettings } = shell();
    const { SST_RESOURCE_SigningSecret: _s, ...noSecret } = noSettings;
    const message = refusal(() => stageEnvironment(stage, noSecret));
    expect(message).toMatch(
      /^ {2}SIGNING_SECRET: a secret: run through `npx sst shell --stage production/m,
    );
    expect(message).toMatch(
      /^ {2}POSTAL_ADDRESS: set DISPATCH_DOMAIN and DISPATCH_POSTAL_ADDRESS/m,
    );
  });

  it("from .sst/outputs.json only when the file is that stage's", () => {
    const target = { kind: 'stage', stage: 'production', from: '.sst/outputs.json' } as const;
    expect(refusal(() => stageValues(target, {}, { stage: 'dev', table: 't' }))).toMatch(
      /outputs.json is stage dev's, not production's/,
    );
    expect(refusal(() => stageValues(target, {}, undefined))).toMatch(
      /npx sst shell --stage production -- npm run/,
    );
    expect(
      stageValues(target, {}, { stage: 'production', table: 'dispatch-production-Table' }),
    ).toMatchObject({ TABLE_NAME: 'dispatch-production-Table' });
  });
});

describe('the local stack leaves its marks', () => {
  it('in loopback endpoints and its emulator credentials, not in real ones', () => {
    expect(
      localValues({
        AWS_ENDPOINT_URL_S3: 'http://[::1]:4569',
        SHARD_QUEUE_URL: 'in-process://fleet-1',
        AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE',
        BASE_URL: 'https://news.example.com',
        TABLE_NAME: 'dispatch-local',
        // Not the CLI's to judge: only the configuration's and the SDK's variables are read.
        npm_config_registry: 'http://localhost:4873',
      }).map((v) => v.name),
    ).toEqual(['AWS_ENDPOINT_URL_S3', 'SHARD_QUEUE_URL', 'TABLE_NAME']);
  });
});

describe('the local target', () => {
  it("needs the emulators' endpoints: without them the SDK would reach AWS and send from here", () => {
    expect(missingLocalEndpoints({ TABLE_NAME: 'dispatch-production-Table' })).toEqual([
      'AWS_ENDPOINT_URL_DYNAMODB',
      'AWS_ENDPOINT_URL_SES',
    ]);
    expect(missingLocalEndpoints({ AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:8000' })).toEqual([
      'AWS_ENDPOINT_URL_SES',
    ]);
    expect(missingLocalEndpoints({ AWS_ENDPOINT_URL: 'http://emulators:4566' })).toEqual([]);
  });
});

describe("the deployment's outputs and resources", () => {
  let production: Synthesis;
  beforeAll(async () => {
    production = await synthesize({ stage: 'production' });
  });

  it("are the ones the CLI reads: .sst/outputs.json's names and stage", () => {
    const target = { kind: 'stage', stage: 'production', from: '.sst/outputs.json' } as const;
    expect(stageValues(target, {}, production.outputs)).toMatchObject({
      TABLE_NAME: '{{Table.name}}',
      BASE_URL: '{{Api.url}}',
      SES_CONFIGURATION_SET: '{{Email.configSet}}',
      SHARD_QUEUE_URL: '{{ShardWork.url}}',
      BLOB_BUCKET: '{{Blobs.name}}',
      SES_EVENTS_DLQ_URL: '{{SesEventsDeadLetters.url}}',
    });
  });

  it("name every secret after a configuration variable, so sst shell's secrets reach the code", () => {
    const secrets = production.byType('sst.Secret').map((s) => s.name);
    expect(secrets).toContain('SigningSecret');
    for (const name of secrets) expect(configKeys).toContain(secretVariable(name));
  });
});
