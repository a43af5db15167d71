#!/usr/bin/env bash
# actionlint (a Go program) into <repo>/.tmp/bin; idempotent, instant when the pinned version is there.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VERSION=v1.7.12
BIN_DIR="$ROOT/.tmp/bin"
BIN="$BIN_DIR/actionlint"

if [ -x "$BIN" ] && [ "$("$BIN" -version 2>/dev/null | head -n1)" = "$VERSION" ]; then
  exit 0
fi
if ! command -v go >/dev/null 2>&1; then
  # shellcheck source=lib/apt.sh
  source "$ROOT/scripts/install/lib/apt.sh"
  ensure_apt_packages golang-go ca-certificates git
fi
mkdir -p "$BIN_DIR"
echo "installing actionlint $VERSION"
GOBIN="$BIN_DIR" GOFLAGS=-mod=mod go install "github.com/rhysd/actionlint/cmd/actionlint@$VERSION"
"$BIN" -version | head -n1
