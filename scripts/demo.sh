#!/usr/bin/env bash
# `npm run demo`: sluice on the example project with embedded defaults: no registry,
# no cluster, no account. Uses the committed bundles, so it needs no `npm install`.
# The first run installs DuckDB (@duckdb/node-api, about 70 MB, with npm) into ~/.cache/sluice
# for validate-data, which says so as it starts; later runs reuse it.
set -uo pipefail
cd "$(dirname "$0")/.."
SLUICE="${SLUICE_DEMO_CLI:-node $PWD/dist/cli/index.js}"
OUT="$PWD/.tmp/demo"
mkdir -p "$OUT"
# Headings are bold on a terminal only (NO_COLOR / FORCE_COLOR respected).
. scripts/lib/style.sh
bold() { heading "$@"; }
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

bold "build-image: the model and its server as a reproducible image, into an OCI folder (no daemon, no registry)"
# train.py writes model/ (it needs scikit-learn); the demo packs a stand-in weights file instead.
mkdir -p "$OUT/model" && printf '{"coef":[0.8,-1.2],"intercept":0.1}\n' >"$OUT/model/model.json"
for build in 1 2; do
  expect 0 "build-image ($build)" -- $SLUICE build-image --model "$OUT/model" --code serve \
    --entrypoint "node /opt/app/model-server.mjs" --port 8080 --model-name churn \
    --metrics-file metrics/candidate.json --source-date-epoch 1767225600 \
    --output "oci:$OUT/image:candidate" --report-output "json=$OUT/build-image-$build.json"
done
node -e 'const [a,b]=process.argv.slice(1).map(f=>JSON.parse(require("fs").readFileSync(f,"utf8")).digest); console.log(a===b?`built twice, same digest ${a}: reproducible`:`digests differ: ${a} ${b}`); if(a!==b) process.exit(1)' "$OUT/build-image-1.json" "$OUT/build-image-2.json" || exit 1
bold "comment: the sticky PR comment body, written to a file (no forge here)"
expect 0 "comment preview" -- $SLUICE comment --reports "$OUT/quality-gate.json" "$OUT/validate-data.json" "$OUT/build-image-1.json" --preview "$OUT/comment.md"

bold "rollout: a canary failing 10 % of requests, behind sluice's built-in router, under load"
# Everything started here is stopped by its PID on the way out, whatever happens.
PIDS=()
stop_all() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done; wait "${PIDS[@]}" 2>/dev/null; PIDS=(); }
trap stop_all EXIT
wait_line() { # wait_line <file> <regex>: the first match, within 10 s
  for _ in $(seq 100); do
    local hit; hit=$(grep -oE "$2" "$1" 2>/dev/null | head -1)
    if [ -n "$hit" ]; then echo "$hit"; return 0; fi
    sleep 0.1
  done
  echo "demo: nothing matching $2 in $1" >&2; return 1
}
node serve/model-server.mjs v1 >"$OUT/v1.log" & PIDS+=($!)
node serve/model-server.mjs v2 10 >"$OUT/v2.log" & PIDS+=($!)
V1="http://127.0.0.1:$(wait_line "$OUT/v1.log" '[0-9]+$')" || exit 1
V2="http://127.0.0.1:$(wait_line "$OUT/v2.log" '[0-9]+$')" || exit 1
$SLUICE router serve --versions "v1=$V1,v2=$V2" --listen 127.0.0.1:0 --admin 127.0.0.1:0 \
  2>"$OUT/router.log" & PIDS+=($!)
TRAFFIC=$(wait_line "$OUT/router.log" 'traffic on http://[0-9.:]+' | sed 's/traffic on //') || exit 1
ADMIN=$(wait_line "$OUT/router.log" 'admin API on http://[0-9.:]+' | sed 's/admin API on //') || exit 1
echo "router: users -> $TRAFFIC, admin $ADMIN; v1 at $V1, v2 (10 % errors) at $V2"
node serve/load.mjs "$TRAFFIC" 50 >"$OUT/load.log" & LOAD=$!; PIDS+=($LOAD)
cat >"$OUT/rollout.yml" <<YAML
strategy: canary
stable: { name: v1, url: $V1 }
canary: { name: v2, url: $V2 }
router: { type: builtin, admin: $ADMIN }
providers:
  probe: { type: http-probe, path: /predict, body: '{"features":[1,1]}', rate: 40, timeout: 2s }
analysis:
  metrics:
    - name: error_rate
      provider: probe
      query: error_rate
      interval: 2s
      failureCondition: { max: 0.02 }
steps:
  - setWeight: 10
  - pause: { duration: 4s }
  - setWeight: 50
  - pause: { duration: 4s }
YAML
(cd "$OUT" && expect 1 "rollout (bad canary rolled back)" -- $SLUICE rollout --spec rollout.yml \
  --output "markdown=$OUT/rollout.md" --output "json=$OUT/rollout.json") || exit 1
kill "$LOAD"; wait "$LOAD" 2>/dev/null; cat "$OUT/load.log"
echo "router now: $(node -e 'fetch(process.argv[1]+"/state").then(r=>r.json()).then(s=>console.log(JSON.stringify(s.weights)))' "$ADMIN")"
stop_all

bold "files written"
ls -1 "$OUT"
echo
echo "The PR comment reviewers would see: $OUT/comment.md"
