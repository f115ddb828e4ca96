import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Where scripts/node22.sh leaves the pinned Node 22 (git ignores .cache/). */
const CACHED = fileURLToPath(new URL('../../.cache/node22/bin/node', import.meta.url));

/**
 * The Node.js 22 binary that runs the Lambda bundles, as Lambda's nodejs22.x would: NODE22_BIN, or
 * the one scripts/node22.sh cached. Without one the bundles run on this process's Node and the
 * Node 22 check is skipped with a notice, unless REQUIRE_NODE22=1 (CI), where that is a failure.
 */
export function node22Binary(): string | undefined {
  const bin = process.env.NODE22_BIN || (existsSync(CACHED) ? CACHED : undefined);
  if (bin && !existsSync(bin)) throw new Error(`NODE22_BIN is ${bin}, which does not exist`);
  if (bin) return bin;
  if (process.env.REQUIRE_NODE22 === '1') {
    throw new Error(
      'REQUIRE_NODE22=1 but there is no Node 22: run `bash scripts/node22.sh` or set NODE22_BIN.',
    );
  }
  console.warn(
    `\n  NOTICE: Lambda bundles run on this Node (${process.version}), not Node 22 (Lambda's nodejs22.x): run 'bash scripts/node22.sh' once, or set NODE22_BIN.\n`,
  );
  return undefined;
}
