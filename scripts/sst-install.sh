#!/usr/bin/env bash
# Generates .sst/platform (SST's component types, needed to type-check sst.config.ts and infra/).
# `npm test` runs it when .sst/platform is missing or stale. With internet access this is plain
# `sst install`; on a machine that reaches the npm registry but not the download sites that
# `sst install` uses for its Pulumi and Bun binaries, it takes Bun from the npm registry and
# answers Pulumi's version check with a stub (Pulumi is only needed to deploy).
# Run it from the project root, after `npm ci`.
#
# - Bun comes from the npm registry (@oven/bun-<platform>) and is handed to SST via SST_BUN_PATH.
# - Pulumi's engine is only needed to deploy; a stub that answers `pulumi version` lets
#   `sst install` go on to write .sst/platform and install the providers' npm packages.
# Nothing here deploys or talks to AWS. With internet access, plain `npx sst install` does the same.
set -euo pipefail

cd "$(dirname "$0")/.."
[ -x node_modules/.bin/sst ] || { echo "sst-install-offline: run 'npm ci' first (node_modules/.bin/sst is missing)" >&2; exit 1; }
export SST_STAGE="${SST_STAGE:-offline}" DO_NOT_TRACK=1 SST_TELEMETRY_DISABLED=1
cache="${SST_OFFLINE_CACHE:-$HOME/.cache/sst-offline}"
mkdir -p "$cache" "$HOME/.config/sst/bin"

# One attempt tells which Pulumi and Bun versions this SST release wants.
log=$(mktemp)
attempt() { npx --no-install sst install >"$log" 2>&1; }

for _ in 1 2 3; do
  if attempt; then cat "$log"; echo "sst-install-offline: .sst/platform is ready"; exit 0; fi
  if pv=$(grep -o 'pulumi-v[0-9][0-9.]*[0-9]' "$log" | head -1 | sed 's/^pulumi-//'); [ -n "$pv" ]; then
    stub="$HOME/.config/sst/bin/pulumi"
    if [ -e "$stub" ] && ! grep -q 'pulumi stub' "$stub" 2>/dev/null; then
      echo "sst-install-offline: $stub exists and is not this script's stub; leaving it alone" >&2; break
    fi
    printf '#!/bin/sh\n# stub: answers version checks only; deploying needs the real Pulumi\n[ "$1" = version ] && { echo %s; exit 0; }\necho "pulumi stub: $*: deploying needs the real Pulumi (npx sst install with internet access)" >&2; exit 1\n' "$pv" > "$HOME/.config/sst/bin/pulumi"
    chmod +x "$HOME/.config/sst/bin/pulumi"
    continue
  fi
  if bv=$(grep -o 'bun-v[0-9][0-9.]*[0-9]' "$log" | head -1 | sed 's/^bun-v//'); [ -n "$bv" ]; then
    case "$(uname -m)" in x86_64) arch=x64;; aarch64|arm64) arch=aarch64;; *) echo "unsupported arch" >&2; exit 1;; esac
    dir="$cache/bun-$bv"
    if [ ! -x "$dir/node_modules/@oven/bun-linux-$arch/bin/bun" ]; then
      mkdir -p "$dir"
      (cd "$dir" && npm init -y >/dev/null && npm install --no-save --no-audit --no-fund "@oven/bun-linux-$arch@$bv" >/dev/null)
    fi
    export SST_BUN_PATH="$dir/node_modules/@oven/bun-linux-$arch/bin/bun"
    continue
  fi
  break
done
cat "$log" >&2
echo "sst-install-offline: sst install failed (see above)" >&2
exit 1
