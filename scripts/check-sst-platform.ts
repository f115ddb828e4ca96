/**
 * Run before `tsc -p tsconfig.infra.json`: the infra is type-checked against SST's own component
 * types in `.sst/platform`, which `sst install` generates (it is not in git). Without them tsc
 * would report hundreds of unknown names; this says what is missing and how to make it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const platform = `${root}.sst/platform`;
const howTo = 'Create it from the project root, after `npm ci`, with:\n  bash ../shared/tools/sst-install-offline\n(or `npx sst install` on a machine with internet access).';

function fail(problem: string): never {
  console.error(`\n${problem}\n${howTo}\n`);
  process.exit(1);
}

if (['config.d.ts', 'version', 'node_modules/@pulumi/aws/package.json'].some((file) => !existsSync(`${platform}/${file}`))) {
  fail(".sst/platform (SST's component types, needed to type-check sst.config.ts and infra/) is missing or incomplete.");
}
const wanted = (JSON.parse(readFileSync(`${root}node_modules/sst/package.json`, 'utf8')) as { version: string }).version;
const installed = readFileSync(`${platform}/version`, 'utf8').trim();
if (installed !== wanted) {
  fail(`.sst/platform is SST ${installed}, but node_modules has sst ${wanted}: the component types are out of date.`);
}
