#!/usr/bin/env bash
# act (nektos/act, a Go program that runs GitHub Actions workflows on this machine) for the
# example project's end-to-end test (test/e2e/github/example-workflow.test.ts), built from the
# Go module proxy into a version-keyed cache folder:
#   ${SLUICE_CACHE_DIR:-$HOME/.cache/sluice}/act-<version>/act
# Idempotent: a second run is instant (the `.complete` marker holds the version it was built
# with, so a changed pin rebuilds and an interrupted build is redone, never half-used).
# Cold: a few minutes on a 2-core machine (the Go build of act and its modules).
# Prints the binary's path last.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VERSION=v0.2.89
CACHE="${SLUICE_CACHE_DIR:-$HOME/.cache/sluice}/act-$VERSION"
BIN="$CACHE/act"
MARKER="$CACHE/.complete"

if [ -x "$BIN" ] && [ "$(cat "$MARKER" 2>/dev/null)" = "$VERSION" ]; then
  echo "act.sh: act $VERSION cached"
  echo "$BIN"
  exit 0
fi
if ! command -v go >/dev/null 2>&1; then
  # shellcheck source=lib/apt.sh
  source "$ROOT/scripts/install/lib/apt.sh"
  ensure_apt_packages golang-go ca-certificates git
fi
mkdir -p "$CACHE"
# One build at a time (two test-all runs, or a test and the installer, may start together).
exec 9>"$CACHE/.lock"
flock 9
if [ -x "$BIN" ] && [ "$(cat "$MARKER" 2>/dev/null)" = "$VERSION" ]; then
  echo "act.sh: act $VERSION cached"
  echo "$BIN"
  exit 0
fi
rm -f "$MARKER"
started=$(date +%s)
echo "act.sh: building act $VERSION (a few minutes the first time)"
GOTOOLCHAIN=local GOFLAGS="-mod=mod -buildvcs=false" GOBIN="$CACHE" \
  go install -ldflags "-s -w -X main.version=$VERSION" "github.com/nektos/act@$VERSION"
"$BIN" --version >/dev/null
printf '%s' "$VERSION" >"$MARKER"
echo "act.sh: installed act $VERSION in $(($(date +%s) - started)) s"
echo "$BIN"
