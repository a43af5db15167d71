#!/usr/bin/env bash
# THE one command that runs every check on a fresh machine (Debian bookworm, root, package
# registries only): dependencies, installers, typecheck, lint, freshness of generated files and
# dist/, then every vitest project. Safe to run twice. With CI=true a skipped test fails the run.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$PWD"
mkdir -p .tmp
export SLUICE_APT_STAMP="$ROOT/.tmp/apt-updated.$$"
trap 'rm -f "$SLUICE_APT_STAMP"' EXIT

PHASES=()
FAILED=()

now() { date +%s.%N; }

# phase <name> <command...>: runs it, times it, records the outcome; output goes straight through.
phase() {
  local name="$1"
  shift
  echo
  echo "=== $name"
  local start end
  start="$(now)"
  "$@"
  local status=$?
  end="$(now)"
  local seconds
  seconds="$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')"
  if [ "$status" -eq 0 ]; then
    PHASES+=("$(printf '%-22s %7ss  ok' "$name" "$seconds")")
  else
    PHASES+=("$(printf '%-22s %7ss  FAILED (exit %s)' "$name" "$seconds" "$status")")
    FAILED+=("$name")
  fi
  return "$status"
}

summary() {
  echo
  echo "=== phases"
  printf '%s\n' "${PHASES[@]}"
  [ -f .tmp/vitest-summary.txt ] && cat .tmp/vitest-summary.txt
  if [ "${#FAILED[@]}" -eq 0 ]; then
    echo "test-all: ALL PASSED"
  else
    echo "test-all: FAILED: ${FAILED[*]}"
  fi
  # The plain count line closes the output, so whoever reads the last line sees the tally.
  [ -f .tmp/vitest-summary.txt ] && grep '^tests: ' .tmp/vitest-summary.txt | tail -n 1
}

deps() {
  # npm writes node_modules/.package-lock.json on install: older than the lockfile means stale.
  if [ -f node_modules/.package-lock.json ] && [ ! package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "node_modules is up to date"
    return 0
  fi
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "Node.js 20.19+ (or 22.13+) and npm are required (e.g. apt-get install nodejs npm, or nvm)" >&2
    return 1
  fi
  local lock=()
  command -v flock >/dev/null 2>&1 && lock=(flock /tmp/npm.lock)
  # The lock file is the truth: no fallback to `npm install`, which would hide a stale lock.
  # (DuckDB is not in it: src/clients/duckdb/load-module.ts installs it, see install/duckdb.sh.)
  "${lock[@]}" npm ci --no-audit --no-fund
}

# Every scripts/install/*.sh at once (downloads and Go builds overlap; their apt calls take
# turns through lib/apt.sh's lock); each one's output is printed whole when all are done.
installers() {
  local logs=".tmp/installers" script name status=0 code seconds
  local names=() pids=()
  rm -rf "$logs"
  mkdir -p "$logs"
  for script in scripts/install/*.sh; do
    [ -e "$script" ] || continue
    name="$(basename "$script" .sh)"
    (
      start=$(date +%s)
      bash "$script" >"$logs/$name.log" 2>&1
      echo "$? $(($(date +%s) - start))" >"$logs/$name.status"
    ) &
    pids+=("$!")
    names+=("$name")
  done
  echo "installing in parallel: ${names[*]} (output in $logs/ until all finish)"
  wait "${pids[@]}"
  for name in "${names[@]}"; do
    read -r code seconds <"$logs/$name.status" || code=1
    echo "--- scripts/install/$name.sh (${seconds:-?} s, exit $code)"
    cat "$logs/$name.log"
    if [ "$code" != 0 ]; then
      echo "installer failed: scripts/install/$name.sh" >&2
      status=1
    fi
  done
  return "$status"
}

lint() {
  local status=0
  npx --no-install eslint . || status=1
  npx --no-install prettier --check . || status=1
  # Unused files, exports and dependencies (knip.json says what the entry points are).
  npx --no-install knip || status=1
  return "$status"
}

fresh() {
  npx --no-install tsx scripts/generate.ts --check && bash scripts/check-fresh.sh
}

tests() {
  rm -f .tmp/vitest.json .tmp/vitest-summary.txt
  npx --no-install vitest run --reporter=default --reporter=json --outputFile.json=.tmp/vitest.json
  local status=$?
  node scripts/test-all/summarize.mjs .tmp/vitest.json >.tmp/vitest-summary.txt || status=1
  cat .tmp/vitest-summary.txt
  return "$status"
}

# Without dependencies and tools nothing else can run: stop there.
if ! phase "dependencies" deps || ! phase "installers" installers; then
  summary
  exit 1
fi
phase "typecheck" npx --no-install tsc --noEmit -p tsconfig.json
phase "lint" lint
phase "generated + dist fresh" fresh
phase "tests (vitest)" tests
summary
[ "${#FAILED[@]}" -eq 0 ]
