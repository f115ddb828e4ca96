/**
 * Run before `tsc -p tsconfig.infra.json`: the infra is type-checked against SST's own component
 * types in `.sst/platform`, which `sst install` generates (it is not in git). Without them tsc
 * would report hundreds of unknown names; this says what is missing and how to make it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const platform = `${root}.sst/platform`;
const howTo =
  "Create it from the project root, after `npm ci`, with:\n  bash scripts/sst-install.sh\n(`npx sst install` where SST's download sites are reachable).";

function fail(problem: string): never {
  console.error(`\n${problem}\n${howTo}\n`);
  process.exit(1);
}

const wanted = (
  JSON.parse(readFileSync(`${root}node_modules/sst/package.json`, 'utf8')) as { version: string }
).version;
const complete = () =>
  ['config.d.ts', 'version', 'node_modules/@pulumi/aws/package.json'].every((file) =>
    existsSync(`${platform}/${file}`),
  );
// A fresh checkout has none: make it, so `npm install && npm test` is all a new user runs.
if (!complete() || readFileSync(`${platform}/version`, 'utf8').trim() !== wanted) {
  console.error("Creating .sst/platform (SST's component types) with scripts/sst-install.sh …");
  try {
    execFileSync('bash', [`${root}scripts/sst-install.sh`], {
      stdio: ['ignore', 'ignore', 'inherit'],
      cwd: root,
    });
  } catch {
    fail('Creating .sst/platform failed (see above).');
  }
}
if (!complete()) {
  fail(
    ".sst/platform (SST's component types, needed to type-check sst.config.ts and infra/) is missing or incomplete.",
  );
}
const installed = readFileSync(`${platform}/version`, 'utf8').trim();
if (installed !== wanted) {
  fail(
    `.sst/platform is SST ${installed}, but node_modules has sst ${wanted}: the component types are out of date.`,
  );
}
