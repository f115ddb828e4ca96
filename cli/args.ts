/**
 * What every CLI here does with its arguments, the way Unix tools do: `--help` (or `-h`) prints
 * the usage on stdout and exits 0; a mistyped option, a missing argument or a number that is not
 * one prints what is wrong and the usage on stderr and exits 2, never a stack trace.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Every CLI's own option: which deployment it runs against (cli/target.ts). */
const STAGE_USAGE = `

  --stage <name>   a deployed stage (run through \`npx sst shell --stage <name> -- npm run …\`);
                   default: local, the stack \`npm start\` runs (docs/deploy.md)`;

export type Cli<O extends Options> = {
  positionals: string[];
  /** `--stage`, as given: undefined is the local stack, unless `sst shell` names a stage. */
  stage: string | undefined;
  values: ReturnType<typeof parseArgs<{ options: O; allowPositionals: true }>>['values'];
  /** Ends the program as a usage error: the message, the usage, exit code 2. */
  fail(message: string): never;
  /** The argument, or a usage error naming it. */
  need(value: string | undefined, what: string): string;
  /** A whole number within [min, max], or a usage error naming the option. */
  wholeNumber(
    value: string | undefined,
    name: string,
    range: { min: number; max?: number },
  ): number;
};

export function cli<O extends Options>(
  commandUsage: string,
  commandOptions: O,
  argv?: string[],
): Cli<O> {
  const usage = `${commandUsage}${STAGE_USAGE}`;
  const options = { ...commandOptions, stage: { type: 'string' } } as O;
  const fail = (message: string): never => {
    console.error(`${message}\n\n${usage}`);
    process.exit(2);
  };
  let parsed: ReturnType<typeof parseArgs<{ options: O; allowPositionals: true }>>;
  try {
    if ((argv ?? process.argv.slice(2)).some((a) => a === '--help' || a === '-h')) {
      console.log(usage);
      process.exit(0);
    }
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    // node:util names the option and what it expected ("Unknown option '--rol'").
    return fail((error as Error).message);
  }
  const { stage, ...values } = parsed.values as typeof parsed.values & { stage?: string };
  return {
    positionals: parsed.positionals,
    stage,
    values: values as typeof parsed.values,
    fail,
    need: (value, what) => (value === undefined || value === '' ? fail(`missing ${what}`) : value),
    wholeNumber(value, name, { min, max }) {
      const n = Number(value);
      if (value === undefined || !/^\d+$/.test(value.trim()) || n < min || (max && n > max))
        return fail(
          `${name} must be a whole number ${max ? `from ${min} to ${max}` : `of at least ${min}`}, not "${value}"`,
        );
      return n;
    },
  };
}
