/**
 * Runs the real `sst.config.ts` (and through it every infra file) with SST's globals replaced by
 * recorders: each component's constructor arguments are kept, and each output is a readable
 * token such as `{{Table.name}}`. Nothing is deployed; what the tests then read is exactly what
 * SST would have been asked to create. Only the globals the infra files use are provided, so an
 * infra file that reaches for another one fails here first, loudly.
 */
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { vi } from 'vitest';

export type Recorded = {
  type: string;
  name: string;
  args: Record<string, any>;
  opts?: Record<string, any>;
};

export type Synthesis = {
  app: {
    name: string;
    removal: string;
    home: string;
    providers?: Record<string, unknown>;
    protect?: boolean;
  };
  components: Recorded[];
  outputs: Record<string, unknown>;
  /** Recorded components of one type, by name. */
  byType(type: string): Recorded[];
  one(type: string, name: string): Recorded;
};

export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';

/** The settings a deploy needs (infra/settings.ts), for a test run. */
export const exampleSettings = {
  DISPATCH_DOMAIN: 'news.example.com',
  DISPATCH_POSTAL_ADDRESS: '1 Example Street, 10000 Example City',
};

const token = (path: string) => `{{${path}}}`;
/** What a subscription or route component gives of the function it creates. */
const functionNodes = (name: string) => ({ function: { name: token(`${name}.function.name`) } });

function stubGlobals(stage: string, components: Recorded[]) {
  const record = (
    type: string,
    name: string,
    args: Record<string, any>,
    opts?: Record<string, any>,
  ) => {
    components.push({ type, name, args, opts });
  };
  const interpolate = (strings: TemplateStringsArray, ...values: unknown[]) =>
    strings.reduce((out, s, i) => out + s + (i < values.length ? String(values[i]) : ''), '');

  class Secret {
    readonly name: string;
    readonly value: string;
    constructor(name: string, placeholder?: string) {
      record('sst.Secret', name, { placeholder });
      this.name = name;
      this.value = token(`${name}.value`);
    }
  }
  class Dynamo {
    readonly name: string;
    readonly arn: string;
    constructor(
      private readonly tableName: string,
      private readonly args: Record<string, any>,
      opts?: Record<string, any>,
    ) {
      record('sst.aws.Dynamo', tableName, args, opts);
      this.name = token(`${tableName}.name`);
      this.arn = token(`${tableName}.arn`);
    }
    subscribe(name: string, subscriber: Record<string, any>, args?: Record<string, any>) {
      // SST refuses a subscription to a table without a stream, at deploy time: so does this.
      if (!this.args.stream) throw new Error(`${this.tableName} has no stream to subscribe to`);
      record('sst.aws.Dynamo.subscribe', name, { table: this.tableName, subscriber, ...args });
      return { nodes: functionNodes(name) };
    }
  }
  class Email {
    readonly sender: string;
    readonly configSet: string;
    readonly nodes: { identity: { arn: string }; configurationSet: { arn: string } };
    constructor(name: string, args: Record<string, any>) {
      record('sst.aws.Email', name, args);
      this.sender = args.sender;
      this.configSet = token(`${name}.configSet`);
      this.nodes = {
        identity: { arn: token(`${name}.identity.arn`) },
        configurationSet: { arn: token(`${name}.configurationSet.arn`) },
      };
    }
  }
  class ApiGatewayV2 {
    readonly url: string;
    constructor(
      private readonly name: string,
      args: Record<string, any>,
    ) {
      record('sst.aws.ApiGatewayV2', name, args);
      this.url = token(`${name}.url`);
    }
    route(route: string, handler: Record<string, any> | string, args?: Record<string, any>) {
      const name = `${this.name} ${route}`;
      record('sst.aws.ApiGatewayV2.route', name, { route, handler, ...args });
      return { nodes: functionNodes(name) };
    }
  }
  class Function {
    readonly arn: string;
    readonly name: string;
    constructor(name: string, args: Record<string, any>) {
      record('sst.aws.Function', name, args);
      this.arn = token(`${name}.arn`);
      this.name = token(`${name}.name`);
    }
  }
  class CronV2 {
    readonly nodes: ReturnType<typeof functionNodes>;
    constructor(name: string, args: Record<string, any>) {
      record('sst.aws.CronV2', name, args);
      this.nodes = functionNodes(name);
    }
  }
  const Bus = {
    subscribe(
      name: string,
      busArn: string,
      subscriber: Record<string, any>,
      args?: Record<string, any>,
    ) {
      record('sst.aws.Bus.subscribe', name, { busArn, subscriber, ...args });
      return {
        nodes: {
          rule: { arn: token(`${name}.rule.arn`) },
          function: { arn: token(`${name}.function.arn`), name: token(`${name}.function.name`) },
        },
      };
    },
  };
  class Queue {
    readonly arn: string;
    readonly url: string;
    readonly nodes: { queue: { name: string } };
    constructor(name: string, args: Record<string, any> = {}) {
      record('sst.aws.Queue', name, args);
      this.arn = token(`${name}.arn`);
      this.url = token(`${name}.url`);
      this.nodes = { queue: { name: token(`${name}.name`) } };
    }
    subscribe(subscriber: Record<string, any>, args?: Record<string, any>) {
      const name = this.arn.slice(2, -'.arn}}'.length);
      record('sst.aws.Queue.subscribe', `${name}Subscriber`, {
        queue: this.arn,
        subscriber,
        ...args,
      });
      return { nodes: functionNodes(`${name}Subscriber`) };
    }
  }
  class Bucket {
    readonly name: string;
    readonly arn: string;
    constructor(name: string, args: Record<string, any> = {}, opts?: Record<string, any>) {
      record('sst.aws.Bucket', name, args, opts);
      this.name = token(`${name}.name`);
      this.arn = token(`${name}.arn`);
    }
  }
  class SnsTopic {
    readonly arn: string;
    constructor(name: string, args: Record<string, any> = {}) {
      record('sst.aws.SnsTopic', name, args);
      this.arn = token(`${name}.arn`);
    }
  }
  /** A plain Pulumi AWS resource, recorded as `aws.<module>.<Class>`; its outputs are tokens. */
  const resource = (type: string) =>
    class {
      readonly arn: string;
      readonly name: string;
      readonly dashboardName: string;
      constructor(name: string, args: Record<string, any>) {
        record(type, name, args);
        this.arn = token(`${name}.arn`);
        this.name = token(`${name}.name`);
        this.dashboardName = token(`${name}.dashboardName`);
      }
    };

  return {
    $config: (config: unknown) => config,
    $app: {
      name: 'dispatch',
      stage,
      removal: stage === 'production' ? 'retain' : 'remove',
      providers: {},
      protect: false,
    },
    $dev: false,
    $interpolate: interpolate,
    $jsonStringify: (value: unknown) => JSON.stringify(value),
    sst: {
      Secret,
      aws: { Dynamo, Email, ApiGatewayV2, CronV2, Bus, Function, Queue, SnsTopic, Bucket },
    },
    aws: {
      getRegionOutput: () => ({ region: REGION }),
      getCallerIdentityOutput: () => ({ accountId: ACCOUNT }),
      cloudwatch: {
        MetricAlarm: resource('aws.cloudwatch.MetricAlarm'),
        Dashboard: resource('aws.cloudwatch.Dashboard'),
      },
      sns: { TopicSubscription: resource('aws.sns.TopicSubscription') },
      lambda: { RuntimeManagementConfig: resource('aws.lambda.RuntimeManagementConfig') },
      sqs: { QueuePolicy: resource('aws.sqs.QueuePolicy') },
      s3: {
        BucketCorsConfiguration: resource('aws.s3.BucketCorsConfiguration'),
        BucketServerSideEncryptionConfiguration: resource(
          'aws.s3.BucketServerSideEncryptionConfiguration',
        ),
      },
    },
  };
}

/**
 * Evaluates sst.config.ts for a stage with the given deploy-time environment. Modules are
 * re-imported each time (the infra files create their components when imported, as under SST).
 */
export async function synthesize(
  options: { stage?: string; env?: Record<string, string> } = {},
): Promise<Synthesis> {
  const stage = options.stage ?? 'production';
  const components: Recorded[] = [];
  const globals = stubGlobals(stage, components);
  const saved = new Map<string, PropertyDescriptor | undefined>();
  for (const key of Object.keys(globals))
    saved.set(key, Object.getOwnPropertyDescriptor(globalThis, key));
  const env = options.env ?? exampleSettings;
  const savedEnv = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(globalThis, globals);
  Object.assign(process.env, env);
  try {
    vi.resetModules();
    // A computed path: the main tsconfig must not follow it into files that use SST's globals.
    const configPath = pathToFileURL(resolve('sst.config.ts')).href;
    const config = (await import(/* @vite-ignore */ configPath)).default as {
      app(input: { stage: string }): Synthesis['app'];
      run(): Promise<Record<string, unknown>>;
    };
    const app = config.app({ stage });
    const outputs = await config.run();
    return {
      app,
      components,
      outputs,
      byType: (type) => components.filter((c) => c.type === type),
      one(type, name) {
        const found = components.filter((c) => c.type === type && c.name === name);
        if (found.length !== 1)
          throw new Error(`expected one ${type} named ${name}, found ${found.length}`);
        return found[0]!;
      },
    };
  } finally {
    for (const [key, descriptor] of saved) {
      if (descriptor) Object.defineProperty(globalThis, key, descriptor);
      else delete (globalThis as Record<string, unknown>)[key];
    }
    for (const [key, value] of Object.entries(savedEnv)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

/** Every Lambda function the synthesis asked for, by the name infra/functions.ts gives it. */
export function deployedFunctions(
  synthesis: Synthesis,
): { component: Recorded; args: Record<string, any> }[] {
  return [
    // A route given function args deploys a function; one given an ARN points at a Function below.
    ...synthesis
      .byType('sst.aws.ApiGatewayV2.route')
      .filter((c) => typeof c.args.handler === 'object')
      .map((c) => ({ component: c, args: c.args.handler })),
    ...synthesis.byType('sst.aws.Function').map((c) => ({ component: c, args: c.args })),
    // A subscription given a function's ARN adds a rule to a function deployed above.
    ...synthesis
      .byType('sst.aws.Bus.subscribe')
      .filter((c) => typeof c.args.subscriber === 'object')
      .map((c) => ({ component: c, args: c.args.subscriber })),
    ...synthesis.byType('sst.aws.CronV2').map((c) => ({ component: c, args: c.args.function })),
    ...synthesis
      .byType('sst.aws.Dynamo.subscribe')
      .map((c) => ({ component: c, args: c.args.subscriber })),
    ...synthesis
      .byType('sst.aws.Queue.subscribe')
      .map((c) => ({ component: c, args: c.args.subscriber })),
  ];
}
