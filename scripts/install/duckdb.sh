#!/usr/bin/env bash
# Warms sluice's DuckDB cache (the same folder and pinned version validate-data installs into
# on first use), so tests do not each pay for it. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/../.."
version=$(sed -n "s/^export const DUCKDB_NODE_API_VERSION = '\(.*\)';/\1/p" src/clients/duckdb/load-module.ts)
root=${SLUICE_CACHE_DIR:-$HOME/.cache/sluice}
folder="$root/duckdb-node-api-$version"
if [ -f "$folder/node_modules/@duckdb/node-api/lib/index.js" ]; then
  echo "duckdb: @duckdb/node-api@$version cached in $folder"
  exit 0
fi
mkdir -p "$root"
staging="$folder.partial-$$"
npm install --prefix "$staging" --no-save --no-package-lock --no-audit --no-fund "@duckdb/node-api@$version" >/dev/null
mv "$staging" "$folder"
echo "duckdb: installed @duckdb/node-api@$version into $folder"
