#!/usr/bin/env bash
# `npm run demo`: sluice on the example project with embedded defaults: no registry,
# no cluster, no account. Uses the committed bundles, so it needs no `npm install`.
set -uo pipefail
cd "$(dirname "$0")/.."
SLUICE="node $PWD/dist/cli/index.js"
OUT="$PWD/.tmp/demo"
mkdir -p "$OUT"
bold() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
expect() { # expect <wanted exit code> <what> -- command...
  local want=$1 what=$2; shift 3
  "$@"; local got=$?
  if [ "$got" != "$want" ]; then echo "demo: $what exited $got, expected $want" >&2; exit 1; fi
  echo "($what: exit $got, as expected)" >&2
}

cd examples/churn
bold "quality-gate: the candidate churn model against main's metrics"
expect 1 "quality-gate" -- $SLUICE quality-gate --metrics metrics/candidate.json \
  --baseline file:metrics/baseline.json --rules sluice-rules.yml \
  --output "markdown=$OUT/quality-gate.md" --output "json=$OUT/quality-gate.json" \
  --output "junit=$OUT/quality-gate.junit.xml" --output "openmetrics=$OUT/metrics.txt"

bold "quality-gate --format json (the machine-readable contract)"
expect 1 "quality-gate --format json" -- $SLUICE quality-gate --metrics metrics/candidate.json \
  --baseline file:metrics/baseline.json --rules sluice-rules.yml --format json >"$OUT/stdout.json"
node -e 'const r=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")); console.log(`verdict ${r.verdict}; failed: ${r.metrics.filter(m=>m.status==="fail").map(m=>m.name).join(", ")}`)' "$OUT/stdout.json"

bold "quality-gate, no rule broken when main is compared with itself"
expect 0 "quality-gate (baseline vs itself)" -- $SLUICE quality-gate --metrics metrics/baseline.json \
  --baseline file:metrics/baseline.json --rules sluice-rules.yml

bold "validate-data: this week's customer table against the schema and the training data"
expect 1 "validate-data" -- $SLUICE validate-data --data data/current.csv --schema schema.yml \
  --output "json=$OUT/validate-data.json" --output "markdown=$OUT/validate-data.md"

bold "comment: the sticky PR comment body, written to a file (no forge here)"
expect 0 "comment preview" -- $SLUICE comment --reports "$OUT/quality-gate.json" "$OUT/validate-data.json" --preview "$OUT/comment.md"

bold "files written"
ls -1 "$OUT"
echo
echo "The PR comment reviewers would see: $OUT/comment.md"
