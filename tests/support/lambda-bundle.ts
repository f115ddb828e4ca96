/**
 * Builds a function's package the way `sst deploy` does and runs it the way Lambda does:
 * - the bundle: esbuild with the options SST's Node runtime builder hard-codes (ESM, platform
 *   node, keepNames, main fields module/main, its createRequire/__dirname banner), minified, plus
 *   the function's own `nodejs.esbuild.external`; the target is node22, the Lambda runtime; code
 *   splitting on, as infra/function-args.ts asks (SST then builds into the folder, `.mjs` files);
 * - the package: the bundle at the root as `<file>.mjs` with its chunks, the `copyFiles` folders beside it, and
 *   for the runtime-provided SDK only `node_modules/@aws-sdk` (nothing else the bundle left out);
 * - the run: a bare `node` child with the package as its working folder (`/var/task` on Lambda),
 *   only the function's environment, the handler imported once and invoked per event. Which
 *   `node`: the caller's choice, Node 22 as Lambda's nodejs22.x where there is one
 *   (tests/support/node22.ts), else this process's.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { cp, mkdir, symlink } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Metafile } from 'esbuild';
import {
  bundleExternals,
  handlerFile,
  packagedFolders,
  type FunctionDefinition,
} from '../../infra/functions.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** SST's banner: ESM bundles of CommonJS packages still find require, __filename and __dirname. */
const SST_BANNER = [
  `import { createRequire as topLevelCreateRequire } from 'module';`,
  `const require = topLevelCreateRequire(import.meta.url);`,
  `import { fileURLToPath as topLevelFileUrlToPath, URL as topLevelURL } from "url"`,
  `const __filename = topLevelFileUrlToPath(import.meta.url)`,
  `const __dirname = topLevelFileUrlToPath(new topLevelURL(".", import.meta.url))`,
].join('\n');
/** SST always leaves these out (native modules). */
const SST_FORCE_EXTERNAL = ['sharp', 'pg-native'];

export type LambdaPackage = {
  name: string;
  dir: string;
  bundle: string;
  exportName: string;
  /** The code's bytes: the entry and every chunk it can load. */
  bytes: number;
  /** The entry's and the chunks it imports statically: what a start reads and compiles. */
  bytesAtStart: number;
  /** Each bundled module's bytes in the output, over all the files. */
  bytesByInput: Record<string, number>;
  metafile: Metafile;
  /** Every name the bundle uses from each runtime-provided `@aws-sdk/*` package. */
  sdkImports: Record<string, string[]>;
  timeoutMs: number;
};

type Entry = { file: string } | { contents: string; sourcefile: string };

/** esbuild as SST runs it for a function whose `nodejs` options are infra/function-args.ts's. */
function bundleOptions(entry: Entry) {
  return {
    ...('file' in entry
      ? { entryPoints: [resolve(root, entry.file)] }
      : {
          stdin: {
            contents: entry.contents,
            sourcefile: entry.sourcefile,
            resolveDir: root,
            loader: 'ts' as const,
          },
        }),
    absWorkingDir: root,
    bundle: true,
    platform: 'node' as const,
    format: 'esm' as const,
    target: 'node22',
    keepNames: true,
    mainFields: ['module', 'main'],
    banner: { js: SST_BANNER },
    external: [...SST_FORCE_EXTERNAL, ...bundleExternals],
    sourcemap: false,
    metafile: true as const,
    logLevel: 'silent' as const,
  };
}

/**
 * Bundles to `outfile`, or with `split` as SST does with `nodejs.splitting`: into outfile's
 * folder, the entry named after its file, each dynamically imported part (MJML) a chunk that is
 * read only when imported, so a start does not compile 3 MB it never runs.
 */
async function bundle(entry: Entry, outfile: string, split = false) {
  const out = split
    ? { splitting: true, outdir: dirname(outfile), outExtension: { '.js': '.mjs' } }
    : { outfile };
  const result = await build({ ...bundleOptions(entry), minify: true, ...out });
  const reached = reachableOutputs(result.metafile, outfile);
  // The same bundle unminified, only to read which SDK commands survive tree shaking: esbuild
  // keeps an external's imported names even where their use was shaken out.
  const readable = await build({ ...bundleOptions(entry), minify: false, write: false, ...out });
  const sdkImports: Record<string, string[]> = {};
  const readableReached = reachableOutputs(readable.metafile, outfile); // its chunks' own names
  for (const file of readable.outputFiles.filter((f) => readableReached.has(resolve(f.path))))
    for (const [pkg, names] of Object.entries(sdkCallsOf(file.text)))
      (sdkImports[pkg] ??= []).push(...names);
  const bytesByInput: Record<string, number> = {};
  let bytes = 0;
  for (const [path, output] of Object.entries(result.metafile.outputs)) {
    if (!reached.has(resolve(root, path))) continue;
    bytes += output.bytes;
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs))
      bytesByInput[input] = (bytesByInput[input] ?? 0) + bytesInOutput;
  }
  let bytesAtStart = 0;
  for (const path of reachableOutputs(result.metafile, outfile, true))
    bytesAtStart += result.metafile.outputs[relative(root, path)]?.bytes ?? 0;
  return { metafile: result.metafile, bytes, bytesAtStart, bytesByInput, sdkImports };
}

/**
 * The files the entry can load, statically or by `import()` (or `atStart`, statically only: what
 * a cold start reads and compiles). With splitting, esbuild also writes a
 * chunk for a dynamic import whose caller it shook out: in the package, never loaded, and no call
 * the function makes.
 */
function reachableOutputs(metafile: Metafile, outfile: string, atStart = false): Set<string> {
  const outputs = new Map(Object.entries(metafile.outputs).map(([p, o]) => [resolve(root, p), o]));
  if (!outputs.has(resolve(outfile)))
    throw new Error(`esbuild wrote no ${outfile}, the name SST gives the handler's file`);
  const reached = new Set<string>();
  const pending = [resolve(outfile)];
  for (let path = pending.pop(); path !== undefined; path = pending.pop()) {
    if (reached.has(path)) continue;
    reached.add(path);
    for (const { path: next, kind, external } of outputs.get(path)?.imports ?? [])
      if (!external && !(atStart && kind === 'dynamic-import') && outputs.has(resolve(root, next)))
        pending.push(resolve(root, next));
  }
  return reached;
}

/** The `@aws-sdk/*` names the (unminified) code uses, by package. */
function sdkCallsOf(code: string): Record<string, string[]> {
  const statement = /import\s*(\*\s*as\s*\w+|\{[^}]*\})\s*from\s*["'](@aws-sdk\/[^"']+)["'];?/g;
  const body = code.replace(statement, '');
  const used: Record<string, string[]> = {};
  for (const match of code.matchAll(statement)) {
    const [, what, pkg] = match as unknown as [string, string, string];
    if (what.startsWith('*'))
      throw new Error(`the bundle imports all of ${pkg}: its calls cannot be told apart`);
    for (const binding of what
      .slice(1, -1)
      .split(',')
      .map((b) => b.trim())
      .filter(Boolean)) {
      const [name, alias = name] = binding.split(/\s+as\s+/) as [string, string?];
      if (new RegExp(`\\b${alias}\\b`).test(body)) (used[pkg] ??= []).push(name);
    }
  }
  // Loaded on first use (SesMailer): `const { A, B } = await import("@aws-sdk/…")`, every name used.
  const loaded = /\{([^{}]*)\}\s*=\s*await\s+import\(\s*["'](@aws-sdk\/[^"']+)["']\s*\)/g;
  for (const [, what, pkg] of code.matchAll(loaded) as unknown as [string, string, string][]) {
    for (const binding of what
      .split(',')
      .map((b) => b.trim())
      .filter(Boolean))
      (used[pkg] ??= []).push(binding.split(/\s*:\s*/)[0]!);
  }
  // SES's lean call (ses-transport.ts) names its action in the form it posts, not by an SDK command.
  for (const [, action] of code.matchAll(/["'`]Action=(\w+)["'`]/g) as unknown as [
    string,
    string,
  ][])
    (used['@aws-sdk/client-ses'] ??= []).push(`${action}Command`);
  const dynamic = [...code.matchAll(/import\(\s*["'](@aws-sdk\/[^"']+)["']\s*\)/g)].length;
  const understood = [...code.matchAll(loaded)].length;
  if (dynamic !== understood)
    throw new Error(
      'the bundle loads an @aws-sdk package dynamically in a form whose calls cannot be told apart',
    );
  return used;
}

/**
 * The bundle's modules evaluated when the function starts: those its entry reaches without a
 * dynamic `import()`. esbuild puts a dynamically imported module in a chunk of its own (or, without
 * splitting, inlines it) and runs it, and what only it imports, when the `import()` is called.
 */
export function modulesAtStart(pkg: Pick<LambdaPackage, 'metafile' | 'bundle'>): Set<string> {
  const { metafile } = pkg;
  const entry = metafile.outputs[relative(root, pkg.bundle)]?.entryPoint;
  if (!entry) throw new Error(`${pkg.bundle} is no entry of its build`);
  const reached = new Set<string>();
  const pending = [entry];
  for (let path = pending.pop(); path !== undefined; path = pending.pop()) {
    if (reached.has(path)) continue;
    reached.add(path);
    for (const { path: next, kind } of metafile.inputs[path]?.imports ?? [])
      if (kind !== 'dynamic-import' && next in metafile.inputs) pending.push(next);
  }
  return reached;
}

async function makePackage(
  name: string,
  dir: string,
  copyFiles: readonly (keyof typeof packagedFolders)[],
  install: readonly string[] = [],
) {
  await mkdir(join(dir, 'node_modules'), { recursive: true });
  for (const folder of copyFiles)
    await cp(join(root, packagedFolders[folder]), join(dir, packagedFolders[folder]), {
      recursive: true,
    });
  // The Lambda Node.js runtime provides the AWS SDK v3, and nothing else of node_modules. Its
  // version here is package-lock's (node_modules'), not the runtime release's, which only a
  // deployed function tells (its `awsSdk` log key); pinning the release keeps that one fixed.
  await symlink(
    join(root, 'node_modules', '@aws-sdk'),
    join(dir, 'node_modules', '@aws-sdk'),
    'dir',
  );
  // What SST's `nodejs.install` puts in the package (sharp, and its platform's binary packages).
  for (const pkg of install.flatMap((p) => (p === 'sharp' ? ['sharp', '@img'] : [p])))
    await symlink(join(root, 'node_modules', pkg), join(dir, 'node_modules', pkg), 'dir');
  return { name, dir };
}

const timeoutMsOf = (timeout: FunctionDefinition['timeout']) => {
  const [n, unit] = timeout.split(' ') as [string, string];
  return Number(n) * (unit.startsWith('minute') ? 60_000 : 1000);
};

/** Builds one function's package under `outRoot/<name>/`. */
export async function buildLambdaPackage(
  name: string,
  definition: FunctionDefinition,
  outRoot: string,
): Promise<LambdaPackage> {
  const { file, exportName } = handlerFile(definition.handler);
  const { dir } = await makePackage(
    name,
    join(outRoot, name),
    definition.copyFiles,
    definition.install,
  );
  // SST names the bundle after the handler file, dots turned into dashes.
  const bundlePath = join(dir, `${basename(file, '.ts').replaceAll('.', '-')}.mjs`);
  const built = await bundle({ file }, bundlePath, true);
  return {
    name,
    dir,
    bundle: bundlePath,
    exportName,
    timeoutMs: timeoutMsOf(definition.timeout),
    ...built,
  };
}

/** Bundles a few lines of TypeScript, resolved from the project root, into an existing package. */
export async function buildProbe(
  into: LambdaPackage,
  name: string,
  contents: string,
): Promise<LambdaPackage> {
  const bundlePath = join(into.dir, `${name}.mjs`);
  const built = await bundle({ contents, sourcefile: `${name}.ts` }, bundlePath);
  return { ...into, name, bundle: bundlePath, exportName: 'handler', ...built };
}

export type RunningLambda = {
  /** `process.version` of the Node running the bundle. */
  nodeVersion: string;
  invoke<T = unknown>(event: unknown): Promise<T>;
  logs(): string;
  close(): Promise<void>;
};

/** Starts an execution environment for the package with exactly `env`, on the `node` binary given. */
export async function startLambda(
  pkg: LambdaPackage,
  env: Record<string, string>,
  node: string = process.execPath,
): Promise<RunningLambda> {
  const child: ChildProcess = fork(
    join(root, 'tests/support/lambda-runner.mjs'),
    [pkg.bundle, pkg.exportName, String(pkg.timeoutMs), pkg.name],
    {
      execPath: node,
      cwd: pkg.dir,
      env: { ...env, LAMBDA_TASK_ROOT: pkg.dir, AWS_LAMBDA_FUNCTION_NAME: pkg.name, TZ: 'UTC' },
      execArgv: [],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    },
  );
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let ready!: (node: string) => void;
  let failed!: (error: Error) => void;
  const started = new Promise<string>((resolve, reject) => {
    ready = resolve;
    failed = reject;
  });
  // A binary that cannot start (not there, not a Node) fails here instead of hanging the hook.
  child.on('error', (error) => failed(new Error(`${pkg.name}: ${node}: ${error.message}`)));
  child.on(
    'message',
    (message: {
      ready?: true;
      node?: string;
      id?: number;
      ok?: boolean;
      result?: unknown;
      error?: { name: string; message: string; stack?: string };
    }) => {
      if (message.ready) return ready(message.node!);
      const waiter = pending.get(message.id!);
      pending.delete(message.id!);
      if (message.ok) waiter?.resolve(message.result);
      else
        waiter?.reject(
          Object.assign(
            new Error(`${pkg.name}: ${message.error!.name}: ${message.error!.message}\n${output}`),
            { stack: message.error!.stack },
          ),
        );
    },
  );
  child.on('exit', (code) => {
    failed(new Error(`${pkg.name} exited (${code}) before it started, on ${node}:\n${output}`));
    for (const waiter of pending.values())
      waiter.reject(new Error(`${pkg.name} exited (${code}):\n${output}`));
    pending.clear();
  });
  const nodeVersion = await started;
  let next = 0;
  return {
    nodeVersion,
    invoke: <T>(event: unknown) =>
      new Promise<T>((resolve, reject) => {
        const id = next++;
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        child.send({ id, event });
      }),
    logs: () => output,
    close: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
