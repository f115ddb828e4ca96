/**
 * The deployment and the code must agree: table keys, the environment each handler parses, the
 * schedules, the permissions. sst.config.ts runs here with recording stand-ins for SST's
 * components (tests/support/sst-stub.ts), so what is checked is what SST would be asked to build.
 */
import { Cron as LocalCron } from 'croner';
import { beforeAll, describe, expect, it } from 'vitest';
import { outboxIndexKeys } from '../../functions/adapters/dynamo/dynamo-outbox.js';
import { createTableInput, tableKeys } from '../../functions/adapters/dynamo/table.js';
import { claimed, queuedEntry } from '../../functions/core/outbox/entry.js';
import { OUTBOX_TAGS } from '../../functions/core/outbox/tags.js';
import { configKeys, requiredConfigKeys, requiredConfigKeysOf } from '../../functions/config.js';
import {
  bundleExternals,
  functionDefinitions,
  handlerFile,
  lambdaRuntime,
  packagedFolders,
} from '../../infra/functions.js';
import { scheduleDefinitions, toFiveFieldCron } from '../../infra/schedule-definitions.js';
import { readDeploySettings } from '../../infra/settings.js';
import { eventBridgeScheduleProblem } from '../support/eventbridge-schedule.js';
import {
  deployedFunctions,
  exampleSettings,
  synthesize,
  type Synthesis,
} from '../support/sst-stub.js';

let production: Synthesis;
let dev: Synthesis;

beforeAll(async () => {
  production = await synthesize({ stage: 'production' });
  dev = await synthesize({ stage: 'dev' });
});

const definitionOf = (handler: string) =>
  Object.entries(functionDefinitions).find(([, d]) => d.handler === handler);

describe('the table', () => {
  it('has the keys, GSI and attribute types the code creates locally (createTableInput)', () => {
    const { args } = production.one('sst.aws.Dynamo', 'Table');
    const local = createTableInput('any');
    // Back from SST's shape to the SDK's, then compared with what the local stack creates.
    const types: Record<string, string> = { string: 'S', number: 'N', binary: 'B' };
    const attributes = Object.entries(args.fields as Record<string, string>).map(
      ([AttributeName, t]) => ({ AttributeName, AttributeType: types[t] }),
    );
    expect(new Set(attributes.map((a) => JSON.stringify(a)))).toEqual(
      new Set(local.AttributeDefinitions!.map((a) => JSON.stringify(a))),
    );
    expect(args.primaryIndex).toEqual({
      hashKey: local.KeySchema!.find((k) => k.KeyType === 'HASH')!.AttributeName,
      rangeKey: local.KeySchema!.find((k) => k.KeyType === 'RANGE')!.AttributeName,
    });
    const indexes = local.GlobalSecondaryIndexes!.map((g) => [
      g.IndexName,
      {
        hashKey: g.KeySchema!.find((k) => k.KeyType === 'HASH')!.AttributeName,
        rangeKey: g.KeySchema!.find((k) => k.KeyType === 'RANGE')!.AttributeName,
        projection: g.Projection!.ProjectionType!.toLowerCase(),
      },
    ]);
    expect(args.globalIndexes).toEqual(Object.fromEntries(indexes));
  });

  it('names exactly the keys the adapters write: PK/SK, GSI1 on GSI1PK/GSI1SK (ALL), the outbox on GSI2 (ALL), the subscriber list on GSI3 (ALL), TTL on expiresAt', () => {
    const { args } = production.one('sst.aws.Dynamo', 'Table');
    expect(tableKeys).toEqual({
      partitionKey: 'PK',
      sortKey: 'SK',
      index: 'GSI1',
      indexPartitionKey: 'GSI1PK',
      indexSortKey: 'GSI1SK',
      outboxIndex: 'GSI2',
      outboxPartitionKey: 'GSI2PK',
      outboxSortKey: 'GSI2SK',
      listIndex: 'GSI3',
      listPartitionKey: 'GSI3PK',
      listSortKey: 'GSI3SK',
      ttl: 'expiresAt',
    });
    expect(args.primaryIndex).toEqual({ hashKey: 'PK', rangeKey: 'SK' });
    expect(args.globalIndexes).toEqual({
      GSI1: { hashKey: 'GSI1PK', rangeKey: 'GSI1SK', projection: 'all' },
      GSI2: { hashKey: 'GSI2PK', rangeKey: 'GSI2SK', projection: 'all' },
      GSI3: { hashKey: 'GSI3PK', rangeKey: 'GSI3SK', projection: 'all' },
    });
    expect(args.ttl).toBe('expiresAt');
  });

  it('keeps point-in-time recovery on, and on production survives removal and deletion', () => {
    for (const synthesis of [production, dev]) {
      const tableArgs: Record<string, unknown> = {};
      synthesis.one('sst.aws.Dynamo', 'Table').args.transform.table(tableArgs, {}, 'Table');
      expect(tableArgs.pointInTimeRecovery).toEqual({ enabled: true });
    }
    expect(production.app.removal).toBe('retain');
    expect(production.one('sst.aws.Dynamo', 'Table').opts).toEqual({ retainOnDelete: true });
    expect(production.one('sst.aws.Dynamo', 'Table').args.deletionProtection).toBe(true);
    expect(dev.app.removal).toBe('remove');
    // `sst remove` refuses the production stage outright.
    expect(production.app.protect).toBe(true);
    expect(dev.app.protect).toBe(false);
    expect(dev.one('sst.aws.Dynamo', 'Table').opts).toEqual({ retainOnDelete: false });
  });
});

describe('the functions', () => {
  it('are the ones infra/functions.ts defines, each once', () => {
    const handlers = deployedFunctions(production)
      .map((f) => f.args.handler)
      .sort();
    expect(handlers).toEqual(
      Object.values(functionDefinitions)
        .map((d) => d.handler)
        .sort(),
    );
  });

  it("log in Lambda's JSON format, so Logs Insights reads every field and EMF lines stay whole", () => {
    for (const { args } of deployedFunctions(production))
      expect(args.logging, args.handler).toEqual({ format: 'json' });
  });

  it('run Node.js 22 on arm64, bundled as ESM with the SDK left to the runtime', () => {
    for (const { args } of deployedFunctions(production)) {
      expect(args).toMatchObject({ runtime: 'nodejs22.x', architecture: 'arm64' });
      expect(args).toMatchObject(lambdaRuntime);
      // Only the admin function installs a native module (sharp, for image uploads).
      const install =
        args.handler === 'functions/handlers/admin.handler' ? { install: ['sharp'] } : {};
      // Splitting: tests/support/lambda-bundle.ts builds the packages the same way.
      expect(args.nodejs).toEqual({
        format: 'esm',
        minify: true,
        splitting: true,
        esbuild: { external: [...bundleExternals] },
        ...install,
      });
      expect(args.memory).toMatch(/^\d+ MB$/);
      expect(args.timeout).toMatch(/^\d+ (seconds|minutes)$/);
    }
  });

  /** Each deployed function's runtime update mode, by function name. */
  const runtimeUpdatesOf = (synthesis: Synthesis) => {
    const updates = synthesis.byType('aws.lambda.RuntimeManagementConfig');
    const deployed = deployedFunctions(synthesis).map(({ component }) =>
      component.type === 'sst.aws.Function'
        ? `{{${component.name}.name}}`
        : `{{${component.name}.function.name}}`,
    );
    expect(updates.map((u) => u.args.functionName).sort()).toEqual(deployed.sort());
    return updates.map(({ args }) => args);
  };

  it('move to a newer runtime release (and its SDK) only when deployed, never under a running deployment', () => {
    for (const args of runtimeUpdatesOf(production)) {
      expect(args.updateRuntimeOn).toBe('FunctionUpdate');
      expect(args.runtimeVersionArn).toBeUndefined();
    }
  });

  it('stay on one runtime release (and its SDK) through deploys when DISPATCH_LAMBDA_RUNTIME_VERSION pins it', async () => {
    const release = `arn:aws:lambda:eu-west-1::runtime:${'0a1b2c3d'.repeat(8)}`;
    const pinned = await synthesize({
      env: {
        ...exampleSettings,
        AWS_REGION: 'eu-west-1',
        DISPATCH_LAMBDA_RUNTIME_VERSION: release,
      },
    });
    const updates = runtimeUpdatesOf(pinned);
    expect(updates.length).toBe(Object.keys(functionDefinitions).length);
    for (const args of updates)
      expect(args).toMatchObject({ updateRuntimeOn: 'Manual', runtimeVersionArn: release });
    const settings =
      (arn: string, region = 'eu-west-1') =>
      () =>
        readDeploySettings({
          ...exampleSettings,
          AWS_REGION: region,
          DISPATCH_LAMBDA_RUNTIME_VERSION: arn,
        });
    expect(settings(release)().lambdaRuntimeVersion).toBe(release);
    // Not a runtime version ARN: a function's ARN, a short hash, a layer.
    for (const wrong of [
      'arn:aws:lambda:eu-west-1:123456789012:function:dispatch-production-jobs',
      'arn:aws:lambda:eu-west-1::runtime:abcd1234',
      `arn:aws:lambda:eu-west-1::runtime:${'0A1B2C3D'.repeat(8)}`,
      'nodejs:22.v48',
    ])
      expect(settings(wrong), wrong).toThrow(
        /DISPATCH_LAMBDA_RUNTIME_VERSION: must be a runtime version ARN/,
      );
    // Another region's release does not exist where the stage deploys.
    expect(settings(release, 'us-east-1')).toThrow(
      /another region than the deploy's \(us-east-1\)/,
    );
  });

  it('get every variable parseConfig requires (parseTableConfig where they parse only that), and only variables config.ts reads', () => {
    expect(requiredConfigKeys.length).toBeGreaterThan(0);
    expect(requiredConfigKeysOf('table')).toEqual(['TABLE_NAME']);
    expect(requiredConfigKeysOf('suppressions')).toEqual(['TABLE_NAME', 'SUPPRESSION_SECRET']);
    expect(requiredConfigKeysOf('publication')).toEqual([
      'TABLE_NAME',
      'BASE_URL',
      'PUBLICATION_NAME',
      'FROM_ADDRESS',
      'POSTAL_ADDRESS',
    ]);
    for (const { args } of deployedFunctions(production)) {
      const keys = Object.keys(args.environment);
      const part = definitionOf(args.handler)![1].config;
      const required = part ? requiredConfigKeysOf(part) : requiredConfigKeys;
      for (const key of required) expect(keys, `${args.handler} lacks ${key}`).toContain(key);
      for (const key of keys)
        expect(
          configKeys,
          `${args.handler} is given ${key}, which config.ts does not read`,
        ).toContain(key);
      // Local-only or test-only knobs never reach AWS.
      for (const key of ['OUTBOX_DIR', 'SEND_RATE']) expect(keys).not.toContain(key);
    }
  });

  it('take the table, the secret, the configuration set and the public URL from the components', () => {
    for (const { args } of deployedFunctions(production)) {
      const part = definitionOf(args.handler)![1].config;
      if (part === 'table') {
        expect(args.environment, args.handler).toEqual({ TABLE_NAME: '{{Table.name}}' });
        continue;
      }
      if (part === 'suppressions') {
        expect(args.environment, args.handler).toEqual({
          TABLE_NAME: '{{Table.name}}',
          SUPPRESSION_SECRET: '{{SuppressionSecret.value}}',
        });
        continue;
      }
      // The feeds read files and the workspace's articles: the table, no secret.
      if (part === 'publication') {
        expect(args.environment).toMatchObject({ TABLE_NAME: '{{Table.name}}' });
        for (const key of ['SIGNING_SECRET', 'SUPPRESSION_SECRET'])
          expect(Object.keys(args.environment), args.handler).not.toContain(key);
      } else
        expect(args.environment).toMatchObject({
          TABLE_NAME: '{{Table.name}}',
          SIGNING_SECRET: '{{SigningSecret.value}}',
          SUPPRESSION_SECRET: '{{SuppressionSecret.value}}',
        });
      expect(args.environment).toMatchObject({
        BASE_URL: '{{Api.url}}',
        FROM_ADDRESS: 'newsletter@news.example.com',
        POSTAL_ADDRESS: exampleSettings.DISPATCH_POSTAL_ADDRESS,
      });
      if ('SES_CONFIGURATION_SET' in args.environment)
        expect(args.environment.SES_CONFIGURATION_SET).toBe('{{Email.configSet}}');
    }
    expect(production.one('sst.Secret', 'SigningSecret').args.placeholder).toBeUndefined();
    expect(production.one('sst.Secret', 'SuppressionSecret').args.placeholder).toBeUndefined();
  });

  it("give the signup pages Turnstile's keys only when DISPATCH_TURNSTILE_SITE_KEY is set, the secret from its own sst.Secret", async () => {
    for (const { args } of deployedFunctions(production)) {
      expect(Object.keys(args.environment)).not.toContain('TURNSTILE_SITE_KEY');
      expect(Object.keys(args.environment)).not.toContain('TURNSTILE_SECRET_KEY');
    }
    expect(production.byType('sst.Secret').map((s) => s.name)).toEqual([
      'SigningSecret',
      'SuppressionSecret',
    ]);

    const guarded = await synthesize({
      stage: 'production',
      env: { ...exampleSettings, DISPATCH_TURNSTILE_SITE_KEY: '0x4AAAAAAAexample' },
    });
    expect(guarded.one('sst.Secret', 'TurnstileSecretKey').args.placeholder).toBeUndefined();
    const withKeys = deployedFunctions(guarded).filter(
      ({ args }) => 'TURNSTILE_SITE_KEY' in args.environment,
    );
    expect(withKeys.map(({ args }) => args.handler)).toEqual([functionDefinitions.api!.handler]);
    for (const { args } of withKeys) {
      expect(args.environment).toMatchObject({
        TURNSTILE_SITE_KEY: '0x4AAAAAAAexample',
        TURNSTILE_SECRET_KEY: '{{TurnstileSecretKey.value}}',
      });
    }
  });

  it('pass the rate split to every function that sends, only when it is set, and refuse a share outside (0, 1]', async () => {
    for (const { args } of deployedFunctions(production))
      for (const key of ['SEND_RATE_FRACTION', 'TRANSACTIONAL_RATE_SHARE'])
        expect(Object.keys(args.environment)).not.toContain(key);
    const split = await synthesize({
      stage: 'production',
      env: {
        ...exampleSettings,
        DISPATCH_SEND_RATE_FRACTION: '0.5',
        DISPATCH_TRANSACTIONAL_RATE_SHARE: '0.3',
      },
    });
    const senders = deployedFunctions(split).filter(({ args }) =>
      (definitionOf(args.handler)![1].ses as readonly string[]).includes('ses:SendRawEmail'),
    );
    expect(senders.map(({ args }) => args.handler)).toContain(functionDefinitions.outbox!.handler);
    for (const { args } of senders)
      expect(args.environment, args.handler).toMatchObject({
        SEND_RATE_FRACTION: '0.5',
        TRANSACTIONAL_RATE_SHARE: '0.3',
      });
    await expect(
      synthesize({
        stage: 'production',
        env: { ...exampleSettings, DISPATCH_TRANSACTIONAL_RATE_SHARE: '1.5' },
      }),
    ).rejects.toThrow(/DISPATCH_TRANSACTIONAL_RATE_SHARE/);
  });

  it('find content/ and templates/ where CONTENT_DIR and TEMPLATES_DIR say, copied into their package', () => {
    for (const { args } of deployedFunctions(production)) {
      const copied = (args.copyFiles as { from: string; to?: string }[]).map((c) => c.to ?? c.from);
      for (const key of ['CONTENT_DIR', 'TEMPLATES_DIR'] as const) {
        const dir = args.environment[key];
        if (dir !== undefined)
          expect(copied, `${args.handler}: ${key}=${dir} is not in its package`).toContain(dir);
      }
      // A handler that builds a publication reads topics from CONTENT_DIR: it must be set and copied.
      if (
        'PUBLICATION_NAME' in args.environment &&
        definitionOf(args.handler)![1].environment.includes('CONTENT_DIR')
      ) {
        expect(args.environment.CONTENT_DIR).toBe(packagedFolders.content);
      }
    }
  });

  it('that send in bulk are capped, and SEND_WORKERS is the sum of their caps and the fleet', () => {
    // The bulk senders are the scheduled ones and the fleet's sender; the outbox's sender reads the quota for its own share.
    const bulk = new Set(
      Object.values(scheduleDefinitions)
        .filter((s) => s !== scheduleDefinitions.jobs)
        .map((s) => s.handler),
    );
    const fleet = functionDefinitions.sender!.handler;
    const workers = deployedFunctions(production).filter(({ args }) => bulk.has(args.handler));
    expect(
      deployedFunctions(production)
        .filter(({ args }) =>
          (args.permissions as { actions: string[] }[]).some((p) =>
            p.actions.includes('ses:GetSendQuota'),
          ),
        )
        .map(({ args }) => args.handler)
        .sort(),
    ).toEqual([...bulk, fleet, functionDefinitions.outbox!.handler].sort());
    expect(workers.length).toBeGreaterThan(0);
    const total = workers.reduce(
      (sum, { args }) => sum + (args.concurrency?.reserved ?? Number.NaN),
      0,
    );
    expect(total).toBeGreaterThan(0);
    // The fleet's cap is its event source's maximum concurrency, the default fleet of 8.
    const senders = deployedFunctions(production).filter(({ args }) => args.handler === fleet);
    expect(senders).toHaveLength(1);
    for (const { args } of [...workers, ...senders])
      expect(Number(args.environment.SEND_WORKERS)).toBe(total + 8);
  });

  it("grant only named DynamoDB, SES and S3 actions, on this stage's table, sending identity and bucket's objects", () => {
    for (const { args } of deployedFunctions(production)) {
      expect(args.link, 'a link grants dynamodb:* / ses:*').toBeUndefined();
      for (const grant of args.permissions as { actions: string[]; resources: string[] }[]) {
        // The only SQS grants: each function that writes its own failures to its own queue, and
        // the senders (scheduled and the fleet) and the editors' "Send now" that queue shard work.
        if (grant.actions.some((a) => a.startsWith('sqs:'))) {
          const queueOf: Record<string, string> = {
            [functionDefinitions.sesEvents!.handler]: '{{SesEventsDeadLetters.arn}}',
            [functionDefinitions.reputationPause!.handler]: '{{ReputationPauseDeadLetters.arn}}',
            [functionDefinitions.outbox!.handler]: '{{OutboxFailures.arn}}',
            [functionDefinitions.sender!.handler]: '{{ShardWork.arn}}',
            [functionDefinitions.admin!.handler]: '{{ShardWork.arn}}',
            ...Object.fromEntries(
              Object.values(scheduleDefinitions).map((s) => [s.handler, '{{ShardWork.arn}}']),
            ),
          };
          expect(Object.keys(queueOf)).toContain(args.handler);
          expect(grant).toEqual({
            actions: ['sqs:SendMessage'],
            resources: [queueOf[args.handler]],
          });
          continue;
        }
        // The admin function wakes the job runner, by its fixed name; nothing else invokes.
        if (grant.actions.some((a) => a.startsWith('lambda:'))) {
          expect(args.handler).toBe(functionDefinitions.admin!.handler);
          expect(grant).toEqual({
            actions: ['lambda:InvokeFunction'],
            resources: ['arn:aws:lambda:us-east-1:123456789012:function:dispatch-production-jobs'],
          });
          continue;
        }
        // Objects only: no grant on the bucket itself (listing, its policy, its CORS).
        if (grant.actions.some((a) => a.startsWith('s3:'))) {
          for (const action of grant.actions)
            expect(action).toMatch(/^s3:[A-Za-z]+Object|^s3:AbortMultipartUpload$/);
          expect(grant.resources).toEqual(['{{Blobs.arn}}/*']);
          continue;
        }
        for (const action of grant.actions) expect(action).toMatch(/^(dynamodb|ses):[A-Za-z]+$/);
        if (grant.actions.some((a) => a.startsWith('dynamodb:')))
          expect(grant.resources).toEqual(['{{Table.arn}}', '{{Table.arn}}/index/*']);
        if (grant.actions.includes('ses:SendRawEmail')) {
          expect(grant.actions).toEqual(['ses:SendRawEmail']);
          expect(grant.resources).toEqual([
            '{{Email.identity.arn}}',
            '{{Email.configurationSet.arn}}',
          ]);
        }
        if (grant.resources.includes('*')) expect(grant.actions).toEqual(['ses:GetSendQuota']);
      }
    }
  });
});

describe('the job runner', () => {
  it('is one function at a time, by the name the admin function is told, every minute', () => {
    const jobs = deployedFunctions(production).filter(
      ({ args }) => args.handler === functionDefinitions.jobs!.handler,
    );
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.args).toMatchObject({
      name: 'dispatch-production-jobs',
      concurrency: { reserved: 1 },
      retries: 0,
    });
    const admin = deployedFunctions(production).find(
      ({ args }) => args.handler === functionDefinitions.admin!.handler,
    )!;
    expect(admin.args.environment.JOBS_FUNCTION_NAME).toBe('dispatch-production-jobs');
  });
});

describe('the blob bucket', () => {
  it('is private and encrypted, forgets exports after a week, imported files after 30 days and abandoned uploads after a day, and lets only the app PUT from a browser', () => {
    const { args, opts } = production.one('sst.aws.Bucket', 'Blobs');
    // SST blocks public access unless `access` is set; no policy opens it.
    expect(args.access).toBeUndefined();
    expect(args.policy).toBeUndefined();
    expect(args.lifecycle).toEqual([
      { id: 'expire-exports', prefix: 'exports/', expiresIn: '7 days' },
      { id: 'expire-imports', prefix: 'imports/', expiresIn: '30 days' },
    ]);
    const lifecycle = { rules: [{ id: 'expire-exports' }] as object[] };
    args.transform.lifecycle(lifecycle);
    expect(lifecycle.rules).toContainEqual(
      expect.objectContaining({ abortIncompleteMultipartUpload: { daysAfterInitiation: 1 } }),
    );
    expect(opts).toEqual({ retainOnDelete: true });
    const { args: sse } = production.one(
      'aws.s3.BucketServerSideEncryptionConfiguration',
      'BlobsEncryption',
    );
    expect(sse).toMatchObject({
      bucket: '{{Blobs.name}}',
      rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }],
    });
    const { args: cors } = production.one('aws.s3.BucketCorsConfiguration', 'BlobsCors');
    expect(cors.corsRules).toEqual([
      expect.objectContaining({ allowedOrigins: ['{{Api.url}}'], allowedMethods: ['PUT', 'GET'] }),
    ]);
  });

  it('is named to the functions that use files, and only to them', () => {
    for (const { args } of deployedFunctions(production)) {
      const definition = definitionOf(args.handler)![1];
      expect('BLOB_BUCKET' in args.environment, args.handler).toBe(Boolean(definition.s3?.length));
      if (definition.s3?.length) expect(args.environment.BLOB_BUCKET).toBe('{{Blobs.name}}');
    }
  });
});

describe('the schedules', () => {
  it('are one CronV2 per scheduleDefinitions entry, with its expression and handler', () => {
    const crons = production.byType('sst.aws.CronV2');
    expect(crons).toHaveLength(Object.keys(scheduleDefinitions).length);
    for (const schedule of Object.values(scheduleDefinitions)) {
      const cron = crons.find((c) => c.args.function.handler === schedule.handler);
      expect(cron, schedule.handler).toBeDefined();
      expect(cron!.args.schedule).toBe(schedule.expression);
    }
  });

  it('are valid EventBridge expressions that the local scheduler reads the same way', () => {
    for (const [name, schedule] of Object.entries(scheduleDefinitions)) {
      expect(
        eventBridgeScheduleProblem(schedule.expression),
        `${name}: ${schedule.expression}`,
      ).toBeUndefined();
      const local = new LocalCron(toFiveFieldCron(schedule.expression), {
        paused: true,
        timezone: 'UTC',
      });
      expect(local.nextRun(), name).toBeInstanceOf(Date);
    }
  });

  it("hand the handler EventBridge's Scheduled Event, its time the firing's due time (Scheduler's context attributes), in UTC", () => {
    for (const cron of production.byType('sst.aws.CronV2')) {
      expect(cron.args.timezone, cron.name).toBe('UTC');
      expect(cron.args.event, cron.name).toEqual({
        version: '0',
        id: '<aws.scheduler.execution-id>',
        'detail-type': 'Scheduled Event',
        source: 'aws.scheduler',
        time: '<aws.scheduler.scheduled-time>',
        resources: ['<aws.scheduler.schedule-arn>'],
        detail: {},
      });
      // Scheduler's own retries stay off: Lambda retries a failed asynchronous invocation.
      expect(cron.args.retries, cron.name).toBeUndefined();
    }
  });

  it('drop a throttled tick after a minute instead of queueing it (the next one comes anyway)', () => {
    const tick = production.one('sst.aws.CronV2', 'ScheduleTick');
    expect(tick.args.function.retries).toBe(0);
    const config: Record<string, unknown> = {};
    tick.args.function.transform.eventInvokeConfig(config, {}, tick.name);
    expect(config.maximumEventAgeInSeconds).toBe(60);
  });

  it("retry a failed digest firing (Lambda's two retries) within the hour", () => {
    for (const name of ['ScheduleDailyDigest', 'ScheduleWeeklyDigest']) {
      const cron = production.one('sst.aws.CronV2', name);
      expect(cron.args.function.retries, name).toBe(2);
      const config: Record<string, unknown> = {};
      cron.args.function.transform.eventInvokeConfig(config, {}, name);
      expect(config.maximumEventAgeInSeconds, name).toBe(3600);
    }
  });

  it("give the tick the digests' own expressions, so it catches up the times the rules fire", () => {
    const tick = production.one('sst.aws.CronV2', 'ScheduleTick');
    const rules = Object.fromEntries(
      production.byType('sst.aws.CronV2').map((cron) => [cron.name, cron.args.schedule]),
    );
    expect(tick.args.function.environment).toMatchObject({
      DAILY_DIGEST_SCHEDULE: rules.ScheduleDailyDigest,
      WEEKLY_DIGEST_SCHEDULE: rules.ScheduleWeeklyDigest,
    });
  });

  it('the syntax check itself rejects what EventBridge rejects', () => {
    expect(eventBridgeScheduleProblem('cron(0 7 * * ? *)')).toBeUndefined();
    expect(eventBridgeScheduleProblem('cron(0 7 ? * MON-FRI *)')).toBeUndefined();
    expect(eventBridgeScheduleProblem('cron(0/15 * ? * 2#1 *)')).toBeUndefined();
    expect(eventBridgeScheduleProblem('rate(5 minutes)')).toBeUndefined();
    expect(eventBridgeScheduleProblem('cron(0 7 * * *)')).toMatch(/6 fields/);
    expect(eventBridgeScheduleProblem('cron(0 7 * * MON *)')).toMatch(/'\?'/);
    expect(eventBridgeScheduleProblem('cron(0 24 * * ? *)')).toMatch(/hours/);
    expect(eventBridgeScheduleProblem('cron(60 7 * * ? *)')).toMatch(/minutes/);
    expect(eventBridgeScheduleProblem('cron(0 7 ? * FUNDAY *)')).toMatch(/day-of-week/);
    expect(eventBridgeScheduleProblem('rate(1 minutes)')).toBeDefined();
    expect(eventBridgeScheduleProblem('*/5 * * * *')).toBeDefined();
  });
});

describe('email and SES events', () => {
  it('verify the sending domain with DKIM, publish DMARC and send SES events to the default bus', () => {
    const { args } = production.one('sst.aws.Email', 'Email');
    expect(args.sender).toBe('news.example.com');
    expect(args.dmarc).toMatch(/^v=DMARC1; p=(quarantine|reject|none);/);
    expect(args.events).toEqual([
      expect.objectContaining({ bus: 'arn:aws:events:us-east-1:123456789012:event-bus/default' }),
    ]);
    expect(args.events[0].types).toEqual(
      expect.arrayContaining(['bounce', 'complaint', 'delivery', 'send']),
    );
  });

  it("route this stage's SES events to the ses-events function, its sends only when they are an outbox email's receipt", () => {
    const thisStage = { 'ses:configuration-set': ['{{Email.configSet}}'] };
    const everythingButSends = production.one('sst.aws.Bus.subscribe', 'SesEvents');
    expect(everythingButSends.args.busArn).toBe(
      'arn:aws:events:us-east-1:123456789012:event-bus/default',
    );
    expect(everythingButSends.args.pattern).toEqual({
      source: ['aws.ses'],
      detail: { eventType: [{ 'anything-but': ['Send'] }], mail: { tags: thisStage } },
    });
    expect(handlerFile(everythingButSends.args.subscriber.handler).file).toBe(
      'functions/handlers/ses-events.ts',
    );
    // The second rule invokes the same function, not a second copy of it.
    const receipts = production.one('sst.aws.Bus.subscribe', 'SesOutboxReceipts');
    expect(receipts.args.busArn).toBe(everythingButSends.args.busArn);
    expect(receipts.args.subscriber).toBe('{{SesEvents.function.arn}}');
    expect(receipts.args.pattern).toEqual({
      source: ['aws.ses'],
      detail: {
        eventType: ['Send'],
        mail: { tags: { ...thisStage, [OUTBOX_TAGS.entry]: [{ exists: true }] } },
      },
    });
    // The third rule is the reputation alarms' (describe 'alarms').
    expect(production.byType('sst.aws.Bus.subscribe').map((s) => s.name)).toEqual([
      'SesEvents',
      'SesOutboxReceipts',
      'ReputationPause',
    ]);
  });
});

describe("SES events' dead letters", () => {
  const QUEUE_ARN = '{{SesEventsDeadLetters.arn}}';
  const subscription = () => production.one('sst.aws.Bus.subscribe', 'SesEvents');

  it('are kept 14 days (the longest SQS allows) in one queue', () => {
    const queue = production.one('sst.aws.Queue', 'SesEventsDeadLetters');
    const queueArgs: Record<string, unknown> = {};
    queue.args.transform.queue(queueArgs, {}, queue.name);
    expect(queueArgs.messageRetentionSeconds).toBe(14 * 24 * 60 * 60);
    expect(production.outputs.sesEventsDeadLetters).toBe('{{SesEventsDeadLetters.url}}');
  });

  it("come from the ses-events function's on-failure destination, after Lambda's two retries", () => {
    const fn = subscription().args.subscriber;
    expect(fn.handler).toBe(functionDefinitions.sesEvents!.handler);
    expect(fn.retries).toBe(2);
    const config: Record<string, unknown> = {};
    fn.transform.eventInvokeConfig(config, {}, 'SesEvents');
    expect(config.destinationConfig).toEqual({ onFailure: { destination: QUEUE_ARN } });
    // No other function but the reputation pause's (describe 'alarms') sends its failures
    // anywhere: their events are schedules, retried by the next tick.
    const pause = functionDefinitions.reputationPause!.handler;
    for (const { args } of deployedFunctions(production)) {
      if ([fn.handler, pause].includes(args.handler) || !args.transform?.eventInvokeConfig)
        continue;
      const other: Record<string, unknown> = {};
      args.transform.eventInvokeConfig(other, {}, args.handler);
      expect(other.destinationConfig, args.handler).toBeUndefined();
    }
  });

  it('and from the rule targets, when EventBridge cannot invoke the function; only those rules may write', () => {
    for (const name of ['SesEvents', 'SesOutboxReceipts']) {
      const target: Record<string, unknown> = { rule: 'rule', arn: 'arn' };
      production.one('sst.aws.Bus.subscribe', name).args.transform.target(target, {}, name);
      expect(target.deadLetterConfig, name).toEqual({ arn: QUEUE_ARN });
    }
    const { args } = production.one('aws.sqs.QueuePolicy', 'SesEventsDeadLettersPolicy');
    expect(args.queueUrl).toBe('{{SesEventsDeadLetters.url}}');
    expect(JSON.parse(args.policy).Statement).toEqual([
      {
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: QUEUE_ARN,
        Condition: {
          ArnEquals: {
            'aws:SourceArn': ['{{SesEvents.rule.arn}}', '{{SesOutboxReceipts.rule.arn}}'],
          },
        },
      },
    ]);
  });

  it('raise an alarm as soon as one is visible, sent to the alerts topic', () => {
    const { args } = production.one('aws.cloudwatch.MetricAlarm', 'SesEventsDeadLettersAlarm');
    expect(args).toMatchObject({
      namespace: 'AWS/SQS',
      metricName: 'ApproximateNumberOfMessagesVisible',
      dimensions: { QueueName: '{{SesEventsDeadLetters.name}}' },
      threshold: 0,
      comparisonOperator: 'GreaterThanThreshold',
      treatMissingData: 'notBreaching',
      alarmActions: ['{{Alerts.arn}}'],
    });
    production.one('sst.aws.SnsTopic', 'Alerts');
  });

  it('mail the alarm to DISPATCH_ALERT_EMAIL when it is set, and to nobody otherwise', async () => {
    expect(production.byType('aws.sns.TopicSubscription')).toEqual([]);
    const alerted = await synthesize({
      env: { ...exampleSettings, DISPATCH_ALERT_EMAIL: 'ops@example.com' },
    });
    expect(alerted.one('aws.sns.TopicSubscription', 'AlertsEmail').args).toEqual({
      topic: '{{Alerts.arn}}',
      protocol: 'email',
      endpoint: 'ops@example.com',
    });
    expect(() =>
      readDeploySettings({ ...exampleSettings, DISPATCH_ALERT_EMAIL: 'not an address' }),
    ).toThrow(/DISPATCH_ALERT_EMAIL/);
  });

  it("are read and deleted by the operator's CLI only: no function may receive or delete them", () => {
    for (const { args } of deployedFunctions(production)) {
      const actions = (args.permissions as { actions: string[] }[]).flatMap((g) => g.actions);
      for (const action of actions)
        expect(action, args.handler).not.toMatch(
          /^sqs:(\*|Receive|Delete|ChangeMessageVisibility|GetQueue|Purge)/,
        );
    }
  });
});

describe('alarms', () => {
  const alarms = () => production.byType('aws.cloudwatch.MetricAlarm');
  const alarmOn = (metricName: string, functionName: string) =>
    alarms().filter(
      (a) => a.args.metricName === metricName && a.args.dimensions?.FunctionName === functionName,
    );
  /** The token of the function a deployed component creates, as the alarms name it. */
  const functionNameOf = (component: { type: string; name: string }) =>
    component.type === 'sst.aws.Function'
      ? `{{${component.name}.name}}`
      : `{{${component.name}.function.name}}`;

  it("watch SES's bounce rate over 2 % and complaint rate over 0.08 %, by the names the pause rule matches", () => {
    const bounce = production.one('aws.cloudwatch.MetricAlarm', 'SesBounceRateAlarm').args;
    const complaint = production.one('aws.cloudwatch.MetricAlarm', 'SesComplaintRateAlarm').args;
    expect(bounce).toMatchObject({
      name: 'dispatch-production-ses-bounce-rate',
      namespace: 'AWS/SES',
      metricName: 'Reputation.BounceRate',
      threshold: 0.02,
      comparisonOperator: 'GreaterThanThreshold',
    });
    expect(complaint).toMatchObject({
      name: 'dispatch-production-ses-complaint-rate',
      namespace: 'AWS/SES',
      metricName: 'Reputation.ComplaintRate',
      threshold: 0.0008,
      comparisonOperator: 'GreaterThanThreshold',
    });
    // The account-wide rates SES reviews: no configuration-set dimension.
    expect(bounce.dimensions).toBeUndefined();
    expect(complaint.dimensions).toBeUndefined();
    expect(dev.one('aws.cloudwatch.MetricAlarm', 'SesBounceRateAlarm').args.name).toBe(
      'dispatch-dev-ses-bounce-rate',
    );
  });

  it('pause all sending when either reputation alarm goes into ALARM, through its own function', () => {
    const { args } = production.one('sst.aws.Bus.subscribe', 'ReputationPause');
    expect(args.busArn).toBe('arn:aws:events:us-east-1:123456789012:event-bus/default');
    expect(args.pattern).toEqual({
      source: ['aws.cloudwatch'],
      detailType: ['CloudWatch Alarm State Change'],
      detail: {
        alarmName: [
          production.one('aws.cloudwatch.MetricAlarm', 'SesBounceRateAlarm').args.name,
          production.one('aws.cloudwatch.MetricAlarm', 'SesComplaintRateAlarm').args.name,
        ],
        state: { value: ['ALARM'] },
      },
    });
    expect(args.subscriber.handler).toBe('functions/handlers/reputation-alarm.handler');
    expect(args.subscriber.retries).toBe(2);
    // It reads and writes issues only: no secret, no email, no queue.
    expect(args.subscriber.environment).toEqual({ TABLE_NAME: '{{Table.name}}' });
    const actions = (args.subscriber.permissions as { actions: string[] }[]).flatMap(
      (g) => g.actions,
    );
    // Its one other grant: sending its own failures to its dead-letter queue.
    expect(actions.filter((a) => !a.startsWith('dynamodb:'))).toEqual(['sqs:SendMessage']);
  });

  it('never fail silently: a failed pause (after the retries, or an invoke EventBridge could not make) is a dead letter, alarmed', () => {
    const QUEUE_ARN = '{{ReputationPauseDeadLetters.arn}}';
    const { args } = production.one('sst.aws.Bus.subscribe', 'ReputationPause');
    const config: Record<string, unknown> = {};
    args.subscriber.transform.eventInvokeConfig(config, {}, 'ReputationPause');
    expect(config.destinationConfig).toEqual({ onFailure: { destination: QUEUE_ARN } });
    const target: Record<string, unknown> = { rule: 'rule', arn: 'arn' };
    args.transform.target(target, {}, 'ReputationPause');
    expect(target.deadLetterConfig).toEqual({ arn: QUEUE_ARN });
    const policy = production.one('aws.sqs.QueuePolicy', 'ReputationPauseDeadLettersPolicy').args;
    expect(JSON.parse(policy.policy).Statement).toEqual([
      {
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: QUEUE_ARN,
        Condition: { ArnEquals: { 'aws:SourceArn': ['{{ReputationPause.rule.arn}}'] } },
      },
    ]);
    const grants = args.subscriber.permissions as { actions: string[]; resources: string[] }[];
    expect(grants.find((g) => g.actions.includes('sqs:SendMessage'))!.resources).toEqual([
      QUEUE_ARN,
    ]);
    expect(
      production.one('aws.cloudwatch.MetricAlarm', 'ReputationPauseDeadLettersAlarm').args,
    ).toMatchObject({
      metricName: 'ApproximateNumberOfMessagesVisible',
      dimensions: { QueueName: '{{ReputationPauseDeadLetters.name}}' },
      threshold: 0,
      alarmActions: ['{{Alerts.arn}}'],
    });
    expect(production.outputs.reputationPauseDeadLetters).toBe(
      '{{ReputationPauseDeadLetters.url}}',
    );
  });

  it("alarm on every deployed function's errors, and on its throttles unless a reserved concurrency throttles it by design", () => {
    const deployed = deployedFunctions(production);
    expect(deployed.length).toBe(Object.keys(functionDefinitions).length);
    for (const { component, args } of deployed) {
      const name = functionNameOf(component);
      const definition = definitionOf(args.handler)![1];
      const errors = alarmOn('Errors', name);
      expect(errors, `${args.handler}: ${name}`).toHaveLength(1);
      expect(errors[0]!.args).toMatchObject({
        namespace: 'AWS/Lambda',
        statistic: 'Sum',
        threshold: 0,
        comparisonOperator: 'GreaterThanThreshold',
      });
      const throttles = alarmOn('Throttles', name);
      expect(throttles, args.handler).toHaveLength(
        definition.reservedConcurrency === undefined ? 1 : 0,
      );
      for (const t of throttles) expect(t.args).toMatchObject({ threshold: 0, statistic: 'Sum' });
      // A digest's firing dropped after an hour of throttles is a fault; the tick's are routine.
      expect(alarmOn('AsyncEventsDropped', name), args.handler).toHaveLength(
        definition.reservedConcurrency !== undefined && (definition.retries ?? 0) > 0 ? 1 : 0,
      );
    }
    expect(
      alarms()
        .filter((a) => a.args.metricName === 'AsyncEventsDropped')
        .map((a) => a.name)
        .sort(),
    ).toEqual(['DailyDigestDroppedAlarm', 'WeeklyDigestDroppedAlarm']);
  });

  it("alarm when the outbox's sender is 5 minutes behind the table stream", () => {
    const { args } = production.one('aws.cloudwatch.MetricAlarm', 'OutboxAgeAlarm');
    expect(args).toMatchObject({
      namespace: 'AWS/Lambda',
      metricName: 'IteratorAge',
      dimensions: { FunctionName: '{{OutboxSender.function.name}}' },
      statistic: 'Maximum',
      threshold: 300_000,
      comparisonOperator: 'GreaterThanThreshold',
    });
  });

  it("alarm when the outbox's oldest unsent entry has waited over 15 minutes (the tick's gauge)", () => {
    const { args } = production.one('aws.cloudwatch.MetricAlarm', 'OutboxOldestAlarm');
    expect(args).toMatchObject({
      namespace: 'Dispatch',
      metricName: 'OldestWaiting',
      dimensions: { Path: 'outbox' },
      statistic: 'Maximum',
      threshold: 900,
      comparisonOperator: 'GreaterThanThreshold',
      alarmActions: ['{{Alerts.arn}}'],
    });
    const body = JSON.parse(
      production.one('aws.cloudwatch.Dashboard', 'Dashboard').args.dashboardBody,
    );
    const graphed = (body.widgets as { properties: { metrics: unknown[][] } }[]).flatMap((w) =>
      w.properties.metrics.map((m) => m.slice(0, 4).join(' ')),
    );
    expect(graphed).toContain('Dispatch OldestWaiting Path outbox');
  });

  it('alarm on any dead letter of any queue: SES events, outbox failures, shard work, the reputation pause', () => {
    const depth = alarms().filter(
      (a) => a.args.metricName === 'ApproximateNumberOfMessagesVisible',
    );
    expect(depth.map((a) => a.args.dimensions.QueueName).sort()).toEqual([
      '{{OutboxFailures.name}}',
      '{{ReputationPauseDeadLetters.name}}',
      '{{SesEventsDeadLetters.name}}',
      '{{ShardWorkDeadLetters.name}}',
    ]);
    for (const a of depth) expect(a.args).toMatchObject({ threshold: 0, statistic: 'Maximum' });
  });

  it("alarm on the table's throttled requests, every operation a function calls, and on DynamoDB's user errors", () => {
    const { args } = production.one('aws.cloudwatch.MetricAlarm', 'TableThrottlesAlarm');
    const granted = new Set(
      Object.values(functionDefinitions).flatMap((d) => d.table.map((a) => a.slice(9))),
    );
    const metrics = (
      args.metricQueries as { metric?: { dimensions: Record<string, string> } }[]
    ).flatMap((q) => (q.metric ? [q.metric] : []));
    expect(new Set(metrics.map((m) => m.dimensions.Operation))).toEqual(granted);
    for (const metric of metrics)
      expect(metric).toMatchObject({
        namespace: 'AWS/DynamoDB',
        metricName: 'ThrottledRequests',
        dimensions: { TableName: '{{Table.name}}' },
        stat: 'Sum',
      });
    expect(args.metricQueries).toContainEqual(
      expect.objectContaining({ expression: 'SUM(METRICS())', returnData: true }),
    );
    expect(args).toMatchObject({ threshold: 0, comparisonOperator: 'GreaterThanThreshold' });
    expect(
      production.one('aws.cloudwatch.MetricAlarm', 'DynamoUserErrorsAlarm').args,
    ).toMatchObject({ namespace: 'AWS/DynamoDB', metricName: 'UserErrors', threshold: 0 });
  });

  it('all notify the alerts topic when they fire and when they clear, and treat no data as all well', () => {
    expect(alarms().length).toBeGreaterThan(20);
    for (const { name, args } of alarms()) {
      expect(args.alarmActions, name).toEqual(['{{Alerts.arn}}']);
      expect(args.okActions, name).toEqual(['{{Alerts.arn}}']);
      expect(args.treatMissingData, name).toBe('notBreaching');
      expect(args.alarmDescription, name).toMatch(/\w/);
    }
  });

  it('are graphed on one dashboard, with the reputation thresholds and every function', () => {
    const { args } = production.one('aws.cloudwatch.Dashboard', 'Dashboard');
    expect(args.dashboardName).toBe('dispatch-production');
    const body = JSON.parse(args.dashboardBody) as {
      widgets: {
        properties: { metrics: unknown[][]; annotations?: { horizontal: { value: number }[] } };
      }[];
    };
    const metrics = body.widgets.flatMap((w) => w.properties.metrics.map((m) => m.join(' ')));
    expect(metrics).toContainEqual(expect.stringContaining('AWS/SES Reputation.BounceRate'));
    expect(metrics).toContainEqual(expect.stringContaining('AWS/SES Reputation.ComplaintRate'));
    // The code's EMF metrics (functions/metrics.ts) beside AWS's.
    for (const metric of ['Sent Path send', 'Sent Path outbox', 'Accepted Path signup'])
      expect(metrics).toContainEqual(expect.stringContaining(`Dispatch ${metric}`));
    for (const { component } of deployedFunctions(production))
      expect(metrics).toContainEqual(
        expect.stringContaining(`Errors FunctionName ${functionNameOf(component)}`),
      );
    expect(body.widgets[0]!.properties.annotations!.horizontal.map((h) => h.value)).toEqual([
      0.02, 0.0008,
    ]);
    expect(production.outputs.dashboard).toBe('{{Dashboard.dashboardName}}');
  });
});

describe("SES's configuration set", () => {
  it('suppresses bounced and complaining addresses itself, and publishes its reputation metrics', () => {
    const { args } = production.one('sst.aws.Email', 'Email');
    const configurationSet: Record<string, unknown> = {};
    args.transform.configurationSet(configurationSet, {}, 'Email');
    expect(configurationSet).toEqual({
      suppressionOptions: { suppressedReasons: ['BOUNCE', 'COMPLAINT'] },
      reputationOptions: { reputationMetricsEnabled: true },
    });
  });
});

describe('the outbox', () => {
  it('is the table stream, filtered to queued entries, to the outbox function, failures to a queue', () => {
    expect(production.one('sst.aws.Dynamo', 'Table').args.stream).toBe('new-image');
    const { args } = production.one('sst.aws.Dynamo.subscribe', 'OutboxSender');
    expect(args.table).toBe('Table');
    expect(handlerFile(args.subscriber.handler).file).toBe('functions/handlers/outbox.ts');
    // The filter matches what the adapters write for a queued entry, and nothing else they write.
    expect(args.filters).toEqual([
      {
        eventName: ['INSERT', 'MODIFY'],
        dynamodb: { NewImage: { [tableKeys.outboxPartitionKey]: { S: ['OUTBOX#queued'] } } },
      },
      // Webhook deliveries just queued wake the same function (docs/webhooks.md, "How it works").
      {
        eventName: ['INSERT', 'MODIFY'],
        dynamodb: {
          NewImage: {
            [tableKeys.outboxPartitionKey]: { S: ['WEBHOOK#due'] },
            state: { S: ['queued'] },
          },
        },
      },
    ]);
    const queued = queuedEntry('confirmation', new Date());
    expect(outboxIndexKeys('subscriber', 'x', queued).GSI2PK).toBe('OUTBOX#queued');
    expect(outboxIndexKeys('subscriber', 'x', claimed(queued, new Date())).GSI2PK).not.toBe(
      'OUTBOX#queued',
    );
    const mapping: Record<string, unknown> = {};
    args.transform.eventSourceMapping(mapping, {}, 'OutboxSender');
    expect(mapping).toMatchObject({
      functionResponseTypes: ['ReportBatchItemFailures'],
      bisectBatchOnFunctionError: true,
      maximumRetryAttempts: expect.any(Number),
      destinationConfig: { onFailure: { destinationArn: '{{OutboxFailures.arn}}' } },
    });
    expect(production.outputs.outboxFailures).toBe('{{OutboxFailures.url}}');
  });
});

describe('the sender fleet', () => {
  const mappingOf = (synthesis: Synthesis) => {
    const { args } = synthesis.one('sst.aws.Queue.subscribe', 'ShardWorkSubscriber');
    const mapping: Record<string, unknown> = {};
    args.transform.eventSourceMapping(mapping, {}, 'ShardWorkSubscriber');
    return { args, mapping };
  };

  it('is the sender function on the shard-work queue: one message at a time, partial failures, at most the fleet size at once', () => {
    const { args, mapping } = mappingOf(production);
    expect(args.queue).toBe('{{ShardWork.arn}}');
    expect(handlerFile(args.subscriber.handler).file).toBe('functions/handlers/sender.ts');
    expect(args.batch).toEqual({ size: 1, partialResponses: true });
    expect(mapping).toEqual({ scalingConfig: { maximumConcurrency: 8 } });
    expect(args.subscriber.environment.SHARD_QUEUE_URL).toBe('{{ShardWork.url}}');
    expect(args.subscriber.concurrency).toBeUndefined();
  });

  it('takes its size from DISPATCH_SEND_FLEET_SIZE, within what SQS allows', async () => {
    const sized = await synthesize({ env: { ...exampleSettings, DISPATCH_SEND_FLEET_SIZE: '32' } });
    expect(mappingOf(sized).mapping).toEqual({ scalingConfig: { maximumConcurrency: 32 } });
    for (const { args } of deployedFunctions(sized).filter(({ args }) =>
      ['functions/handlers/tick.handler', 'functions/handlers/sender.handler'].includes(
        args.handler,
      ),
    ))
      expect(Number(args.environment.SEND_WORKERS)).toBe(3 + 32);
    expect(() => readDeploySettings({ ...exampleSettings, DISPATCH_SEND_FLEET_SIZE: '1' })).toThrow(
      /DISPATCH_SEND_FLEET_SIZE/,
    );
  });

  it("keeps a message hidden past the sender's timeout, then dead-letters it after a few receives, with an alarm", () => {
    const queue = production.one('sst.aws.Queue', 'ShardWork').args;
    const toSeconds = (d: string) => {
      const [n, unit] = d.split(' ');
      return Number(n) * (unit!.startsWith('minute') ? 60 : 1);
    };
    expect(toSeconds(queue.visibilityTimeout)).toBeGreaterThanOrEqual(
      toSeconds(functionDefinitions.sender!.timeout),
    );
    expect(queue.dlq).toEqual({ queue: '{{ShardWorkDeadLetters.arn}}', retry: 5 });
    const { args: alarm } = production.one(
      'aws.cloudwatch.MetricAlarm',
      'ShardWorkDeadLettersAlarm',
    );
    expect(alarm).toMatchObject({
      metricName: 'ApproximateNumberOfMessagesVisible',
      dimensions: { QueueName: '{{ShardWorkDeadLetters.name}}' },
      threshold: 0,
      alarmActions: ['{{Alerts.arn}}'],
    });
    expect(production.outputs.shardWorkDeadLetters).toBe('{{ShardWorkDeadLetters.url}}');
  });
});

describe('the API', () => {
  it('is a $default route to the Hono app and the workspace paths to the admin function; CORS is left to the app', () => {
    const [gateway] = production.byType('sst.aws.ApiGatewayV2');
    expect(gateway!.args.cors).toBe(false);
    const routes = production.byType('sst.aws.ApiGatewayV2.route');
    expect(routes.map((r) => r.args.route)).toEqual([
      '$default',
      'ANY /admin',
      'ANY /admin/{proxy+}',
      'ANY /api/admin/{proxy+}',
      'GET /feed.xml',
      'GET /atom.xml',
    ]);
    expect(routes[0]!.args.handler.handler).toBe('functions/handlers/api.handler');
    expect(routes.slice(1, 4).every((r) => r.args.handler === '{{Admin.arn}}')).toBe(true);
    expect(routes.slice(4).every((r) => r.args.handler === '{{Feeds.arn}}')).toBe(true);
    expect(production.one('sst.aws.Function', 'Feeds').args.handler).toBe(
      'functions/handlers/feeds.handler',
    );
    expect(production.one('sst.aws.Function', 'Admin').args.handler).toBe(
      'functions/handlers/admin.handler',
    );
    expect(production.outputs.url).toBe('{{Api.url}}');
  });

  it('throttles every route at the stage (200 a second, bursts of 400, unless the settings say otherwise)', async () => {
    const stageOf = (synthesis: Synthesis) => {
      const stage: Record<string, unknown> = { apiId: 'api', name: '$default' };
      synthesis.byType('sst.aws.ApiGatewayV2')[0]!.args.transform.stage(stage, {}, 'ApiStage');
      return stage;
    };
    expect(stageOf(production).defaultRouteSettings).toEqual({
      throttlingRateLimit: 200,
      throttlingBurstLimit: 400,
    });
    const tuned = await synthesize({
      env: { ...exampleSettings, DISPATCH_API_RATE_LIMIT: '50', DISPATCH_API_BURST_LIMIT: '80' },
    });
    expect(stageOf(tuned).defaultRouteSettings).toEqual({
      throttlingRateLimit: 50,
      throttlingBurstLimit: 80,
    });
    expect(() => readDeploySettings({ ...exampleSettings, DISPATCH_API_RATE_LIMIT: '0' })).toThrow(
      /DISPATCH_API_RATE_LIMIT/,
    );
  });

  it('gives the feeds function its files and a Query of the table (the workspace articles), no secret', () => {
    const { args } = production.one('sst.aws.Function', 'Feeds');
    expect(args.permissions).toEqual([
      { actions: ['dynamodb:Query'], resources: ['{{Table.arn}}', '{{Table.arn}}/index/*'] },
    ]);
    expect(args.copyFiles).toEqual([{ from: 'content' }]);
    expect(Object.keys(args.environment).sort()).toEqual([
      'BASE_URL',
      'CONTENT_DIR',
      'FROM_ADDRESS',
      'POSTAL_ADDRESS',
      'PUBLICATION_NAME',
      'TABLE_NAME',
    ]);
  });

  it('serves on the web domain when one is set', async () => {
    const withDomain = await synthesize({
      env: { ...exampleSettings, DISPATCH_WEB_DOMAIN: 'read.example.com' },
    });
    expect(withDomain.byType('sst.aws.ApiGatewayV2')[0]!.args.domain).toBe('read.example.com');
  });
});

describe('deploy settings', () => {
  it('stop a deploy that lacks them, naming each', () => {
    expect(() => readDeploySettings({})).toThrow(/DISPATCH_DOMAIN[\s\S]*DISPATCH_POSTAL_ADDRESS/);
    expect(() =>
      readDeploySettings({ ...exampleSettings, DISPATCH_FROM_ADDRESS: 'news@elsewhere.org' }),
    ).toThrow(/must be an address at DISPATCH_DOMAIN/);
    expect(readDeploySettings(exampleSettings).fromAddress).toBe('newsletter@news.example.com');
  });
});
